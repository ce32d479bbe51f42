"""Build a report from a study store: load, compute, draw, tabulate, write.

``build_report(store, out)`` writes

- ``out/index.html``: the self-contained page (:mod:`optbench.report.html`);
- ``out/summary.md``: the same findings in Markdown (:mod:`optbench.report.summary`);
- ``out/tables/*.csv``: every table (:mod:`optbench.report.tables`);
- ``out/figures/*.png`` and ``*.svg``: every figure (:mod:`optbench.report.figures`).

It reads the store only, so it runs while a study is still running (the report is then
marked partial) and on a store holding several workloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from optbench.report import stage_tables, tables
from optbench.report.data import StudyData, load_studies
from optbench.report.digest import digest_lines
from optbench.report.figures import FigureFile, WorkloadFigures, draw_workload
from optbench.report.groups import group_studies
from optbench.report.html import report_html
from optbench.report.results import WorkloadResult, workload_result
from optbench.report.summary import summary_markdown
from optbench.store import Store


@dataclass(frozen=True)
class Report:
    """What ``build_report`` wrote, whether trials were still pending or running, and the
    findings in a few lines for a terminal (:mod:`optbench.report.digest`)."""

    out: Path
    index: Path
    summary: Path
    tables: dict[str, Path]
    figures: list[FigureFile]
    partial: bool
    digest: list[str]


def all_tables(studies: list[StudyData], results: dict[str, WorkloadResult]) -> list[tables.Table]:
    """Every table of the report, in the order the page lists them."""
    return [
        tables.studies_table(studies, results),
        tables.rankings_table(results),
        tables.best_trials_table(results),
        tables.verdicts_table(results),
        tables.wins_table(results),
        tables.best_of_k_table(results),
        tables.steps_table(results),
        tables.protocol_changes_table(results),
        tables.overtakes_table(results),
        tables.boundary_table(results),
        tables.divergence_table(results),
        tables.seed_noise_table(results),
        tables.points_table(results),
        stage_tables.stages_table(results),
        stage_tables.stage_spaces_table(results),
    ]


def build_report(
    store: Store, out: str | Path, n_boot: int = 1000, seed: int = 0, figures: bool = True
) -> Report:
    """Write the report of every study in ``store`` into the directory ``out``; with
    ``figures=False`` only the tables, the summary and a page without figures (fast)."""
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    studies = load_studies(store)
    workloads = group_studies(studies)
    results = {name: workload_result(w, n_boot, seed) for name, w in workloads.items() if w.groups}
    paths = {t.name: tables.write_csv(t, out / "tables") for t in all_tables(studies, results)}
    drawn = {
        name: draw_workload(r, out / "figures") if figures else WorkloadFigures()
        for name, r in results.items()
    }
    source = store.shown  # the password of a database URL never reaches a shared file
    summary = out / "summary.md"
    summary.write_text(summary_markdown(source, studies, workloads, results, drawn))
    index = out / "index.html"
    index.write_text(report_html(source, studies, workloads, results, drawn, list(paths)))
    return Report(
        out=out,
        index=index,
        summary=summary,
        tables=paths,
        figures=[f for w in drawn.values() for f in w.all()],
        partial=any(w.partial for w in workloads.values()),
        digest=digest_lines(results),
    )
