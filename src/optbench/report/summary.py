"""``summary.md``: the report in Markdown, for a terminal, a pull request or a notebook.

Per workload and protocol: the ranking table (every criterion's best-of-N median and band),
the inclusion verdicts in words, overtakes, the two stages of a two-stage protocol,
search-space warnings and links to the figures;
then the protocol comparisons. The numbers are those of the CSV tables.
"""

from __future__ import annotations

from collections.abc import Mapping

from optbench.report import stages, words
from optbench.report.data import StudyData
from optbench.report.figures import WorkloadFigures
from optbench.report.groups import Workload
from optbench.report.results import GroupResult, WorkloadResult
from optbench.report.tables import study_status

COLUMNS = ("validation_error", "test_error", "train_loss", "steps_to_target")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def ranking_rows(result: GroupResult) -> tuple[list[str], list[list[str]]]:
    """The ranking table of a group: one row per optimizer in rank order by validation
    error, one column per criterion (median [5 %, 95 %] of the best of N)."""
    present = [c for c in COLUMNS if c in result.criteria]
    header = ["rank", "optimizer", *(result.criteria[c].label for c in present), "flat from k"]
    rows = []
    for standing in result.criteria["validation_error"].ranking.standings:
        cells = [str(standing.rank), standing.name]
        for name in present:
            cells.append(words.band(result.criteria[name].ranking[standing.name].band, name))
        cells.append(str(result.flattening["validation_error"][standing.name]))
        rows.append(cells)
    return header, rows


def group_lines(result: GroupResult) -> list[str]:
    """The Markdown section of one group (no figures)."""
    g = result.group
    lines = [f"### {g.setting} under {g.protocol}" + (" (partial)" if g.partial else ""), ""]
    target = g.target_metric.describe(g.target)
    lines += [f"{words.status_line(result)}; target: {target}.", ""]
    lines += _table(*ranking_rows(result)) + [""]
    header, rows = words.verdict_matrix(result)
    if rows:
        lines += ["Inclusion verdicts:", ""] + _table(header, rows) + [""]
        lines += [f"- {sentence}" for _, sentence in words.verdict_sentences(result)] + [""]
    if result.overtakes:
        lines += ["Overtakes (best-of-k bands):", ""]
        lines += [f"- {o.describe()}" for o in result.overtakes] + [""]
    if result.stages is not None:
        lines += stage_lines(result.stages)
    warnings = words.boundary_lines(result)
    if warnings:
        lines += ["Search-space warnings:", ""] + [f"- {w}" for w in warnings] + [""]
    for name, noise in result.seed_noise.items():
        lines.append(
            f"- {name}: seed noise is {100 * noise.seed_fraction:.0f}% of a trial's variance "
            f"({noise.n_points} points, {noise.n_trials} trials)."
        )
    return lines


def stage_lines(two: stages.TwoStages) -> list[str]:
    """The two stages of a two-stage protocol: the best point of each, what it means, and
    every initial and final range with its reason."""
    lines = [f"Two stages: initial studies ({two.protocol}-initial), refined into the final "
             "spaces compared above.", ""]  # fmt: skip
    lines += _table(*stages.comparison_rows(two)) + [""]
    lines += [f"- {sentence}" for sentence in stages.comparison_sentences(two)] + [""]
    return lines + _table(*stages.space_rows(two)) + [""]


def studies_rows(
    studies: list[StudyData], results: Mapping[str, WorkloadResult]
) -> tuple[list[str], list[list[str]]]:
    """The studies table: one row per study with its precision, trial counts and status."""
    header = [
        "id",
        "workload",
        "precision",
        "protocol",
        "optimizer",
        "points",
        "done",
        "diverged",
        "failed",
        "pending",
        "running",
        "status",
    ]
    rows = [
        [str(s.id), s.spec.workload, s.precision, s.spec.protocol, s.spec.optimizer]
        + [str(s.n_points)]
        + [str(s.counts.get(k, 0)) for k in ("done", "diverged", "failed", "pending", "running")]
        + [study_status(s, dict(results))]
        for s in studies
    ]
    return header, rows


def summary_markdown(
    source: str,
    studies: list[StudyData],
    workloads: dict[str, Workload],
    results: dict[str, WorkloadResult],
    figures: dict[str, WorkloadFigures],
) -> str:
    """The whole ``summary.md``."""
    lines = ["# optbench report", "", f"Studies from `{source}`.", ""]
    notice = words.partial_notice(workloads)
    if notice:
        lines += [f"**{notice}**", ""]
    lines += ["## Studies", ""] + _table(*studies_rows(studies, results)) + [""]
    for name, result in results.items():
        lines += [f"## {name}" + (" (partial)" if result.workload.partial else ""), ""]
        for protocol, group in result.groups.items():
            lines += group_lines(group)
            drawn = [
                *figures[name].groups.get(protocol, []),
                *figures[name].studies.get(protocol, {}).values(),
            ]
            if drawn:
                links = ", ".join(f"[{f.stem}](figures/{f.png.name})" for f in drawn)
                lines += ["", f"Figures: {links}", ""]
        if result.comparisons:
            lines += [f"### {name}: protocols compared", ""]
            for comparison in result.comparisons:
                lines += [f"- {line}" for line in words.comparison_lines(comparison)]
            protocols = figures[name].protocols
            if protocols is not None:
                lines += ["", f"![{protocols.stem}](figures/{protocols.png.name})"]
            lines.append("")
    if not studies:
        lines += ["The store holds no study yet.", ""]
    return "\n".join(lines).rstrip() + "\n"
