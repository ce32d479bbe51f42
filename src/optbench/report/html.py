"""``index.html``: the report as one self-contained page.

Everything is inside the file: the figures as PNG data URIs, the style sheet inline, no
script, no external resource, so the page opens offline, attaches to an e-mail and never
logs a failed request. Sections: the partial notice (while trials run), the studies, then per
workload the protocol comparison and per protocol the ranking table, the inclusion verdicts
in words, warnings and figures; last, each study's protocol (sampler, budget, settings and
its search space) and links to the CSV tables beside the page.
"""

from __future__ import annotations

import base64
from html import escape

from optbench import __version__
from optbench.analysis import VERDICTS
from optbench.report import stages, words
from optbench.report.data import StudyData
from optbench.report.figures import FigureFile, WorkloadFigures
from optbench.report.groups import Workload
from optbench.report.results import GroupResult, WorkloadResult
from optbench.report.summary import ranking_rows, studies_rows
from optbench.report.tables import study_status

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em;
       color: #222; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; max-width: 70em; }
.partial { background: #fff4ce; border: 1px solid #e0b000; padding: .6em 1em; font-weight: 600; }
.consistent { color: #1a7f37; } .tie { color: #8a6d00; } .violated { color: #c00000; }
.no-evidence { color: #6e7781; }
td.violated, td.NO { background: #fde8e8; font-weight: 600; }
.warning { color: #c00000; } pre { background: #f7f7f7; padding: .6em; overflow-x: auto; }
ul.verdicts li { margin: .2em 0; } nav a { margin-right: 1em; } .scroll { overflow-x: auto; }
"""


def _cell(cell: str, classes: set[str]) -> str:
    return (
        f"<td class='{cell.replace(' ', '-')}'>{escape(cell)}</td>"
        if cell in classes
        else f"<td>{escape(cell)}</td>"
    )


def _table(header: list[str], rows: list[list[str]], classes: set[str] = frozenset()) -> str:
    """An HTML table; a cell whose text is one of ``classes`` gets that CSS class."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c, classes) for c in row) + "</tr>" for row in rows)
    return (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def figure_html(figure: FigureFile) -> str:
    """An ``<img>`` with the PNG inline, its title as alt text, and the caption."""
    data = base64.b64encode(figure.png.read_bytes()).decode("ascii")
    return (
        f'<figure id="{escape(figure.stem)}"><img alt="{escape(figure.title)}" '
        f'src="data:image/png;base64,{data}"><figcaption><b>{escape(figure.title)}.</b> '
        f'{escape(figure.caption)} (<a href="figures/{escape(figure.svg.name)}">SVG</a>)'
        "</figcaption></figure>"
    )


def _group_html(result: GroupResult, figures: WorkloadFigures) -> str:
    g = result.group
    marker = " <span class='warning'>(partial)</span>" if g.partial else ""
    target = g.target_metric.describe(g.target)
    parts = [
        f"<h3 id='{escape(g.setting)}--{escape(g.protocol)}'>{escape(g.setting)} under "
        f"{escape(g.protocol)}{marker}</h3>",
        f"<p>{escape(words.status_line(result))}; target: {escape(target)}.</p>",
        _table(*ranking_rows(result)),
    ]
    header, rows = words.verdict_matrix(result)
    if rows:
        parts.append("<p>Inclusion verdicts (5-95 % best-of-N bands):</p>")
        parts.append(_table(header, rows, classes=set(VERDICTS)))
        items = "".join(
            f"<li class='{verdict}'>{escape(sentence)}</li>"
            for verdict, sentence in words.verdict_sentences(result)
        )
        parts.append(f"<ul class='verdicts'>{items}</ul>")
    notes = [o.describe() for o in result.overtakes]
    if notes:
        parts.append("<p>Overtakes: " + escape("; ".join(notes)) + ".</p>")
    if result.stages is not None:
        parts.append(_stages_html(result.stages))
    warnings = words.boundary_lines(result)
    if warnings:
        parts.append(
            "<ul>" + "".join(f"<li class='warning'>{escape(w)}</li>" for w in warnings) + "</ul>"
        )
    parts += [figure_html(f) for f in figures.groups.get(g.protocol, [])]
    parts += [figure_html(f) for f in figures.studies.get(g.protocol, {}).values()]
    return "\n".join(parts)


def _stages_html(two: stages.TwoStages) -> str:
    items = "".join(
        f"<li class='{'tie' if 'WORSE' in line else 'consistent'}'>{escape(line)}</li>"
        for line in stages.comparison_sentences(two)
    )
    return (
        f"<p>Two stages: the initial studies ({escape(two.protocol)}-initial) were refined into "
        "the final spaces compared above. Best point of each stage by validation error:</p>"
        + _table(*stages.comparison_rows(two), classes={"NO"})
        + f"<ul class='verdicts'>{items}</ul><p>Initial and final search spaces:</p>"
        + _table(*stages.space_rows(two))
    )


def _study_html(study: StudyData, status: str) -> str:
    spec = study.spec
    space = study.space.describe() if study.space is not None else spec.space_yaml
    problem = (
        f"<p class='warning'>The space could not be read: {escape(study.space_error)}</p>"
        if study.space_error
        else ""
    )
    settings = ", ".join(f"{k} = {v}" for k, v in sorted(spec.settings.items()) if k != "stage")
    if study.stage:
        settings += f"; {study.stage['name']} stage of the two-stage protocol "
        settings += f"{study.stage['protocol']}"
    counts = ", ".join(f"{n} {state}" for state, n in sorted(study.counts.items()))
    return (
        f"<h3>{escape(study.label)} (study {study.id}, {escape(status)})</h3>"
        f"<p>protocol <b>{escape(spec.protocol)}</b>; sampler {escape(spec.sampler)}, seed "
        f"{spec.seed}, budget {spec.budget} steps, evaluation every {spec.eval_every} steps; "
        f"{escape(settings)}; trials: {escape(counts or 'none')}.</p>"
        f"{problem}<pre>{escape(space)}</pre>"
    )


def report_html(
    source: str,
    studies: list[StudyData],
    workloads: dict[str, Workload],
    results: dict[str, WorkloadResult],
    figures: dict[str, WorkloadFigures],
    tables: list[str],
) -> str:
    """The whole page (module docstring)."""
    notice = words.partial_notice(workloads)
    body = [
        "<h1>optbench report</h1>",
        f"<p>Studies from <code>{escape(source)}</code>; optbench {escape(__version__)}.</p>",
    ]
    if notice:
        body.append(f"<div class='partial' id='partial'>{escape(notice)}</div>")
    links = "".join(f"<a href='#{escape(n)}'>{escape(n)}</a>" for n in results)
    body.append(f"<nav>{links}<a href='#protocols'>protocols</a><a href='#tables'>tables</a></nav>")
    body += ["<h2>Studies</h2>", _table(*studies_rows(studies, results))]
    if not studies:
        body.append("<p>The store holds no study yet.</p>")
    for name, result in results.items():
        marker = " <span class='warning'>(partial)</span>" if result.workload.partial else ""
        body.append(f"<h2 id='{escape(name)}'>{escape(name)}{marker}</h2>")
        if result.comparisons:
            lines = [line for c in result.comparisons for line in words.comparison_lines(c)]
            body.append(
                "<p>Protocols compared:</p><ul>"
                + "".join(f"<li>{escape(line)}</li>" for line in lines)
                + "</ul>"
            )
        if figures[name].protocols is not None:
            body.append(figure_html(figures[name].protocols))
        body += [_group_html(group, figures[name]) for group in result.groups.values()]
    body.append("<h2 id='protocols'>Each study's protocol</h2>")
    body += [_study_html(s, study_status(s, results)) for s in studies]
    body.append(
        "<h2 id='tables'>Tables</h2><ul>"
        + "".join(f"<li><a href='tables/{escape(t)}.csv'>{escape(t)}.csv</a></li>" for t in tables)
        + "</ul>"
    )
    partial = "true" if notice else "false"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'><title>optbench report</title>"
        f"<style>{STYLE}</style></head>\n<body data-partial='{partial}'>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
