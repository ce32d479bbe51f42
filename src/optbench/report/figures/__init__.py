"""The report's figures (matplotlib, PNG and SVG), one fixed colour and order per optimizer.

Per workload and protocol: final errors (Fig. 1), steps to target (Fig. 2), steps against
the target (Fig. 10), best of k trials (Figs. 6-8), selection by training loss (Fig. 9) and
the training curves of the best trials; per workload with several protocols, the protocols
side by side (Figs. 3-4); per study, validation error against each hyperparameter
(Appendix E). ``docs/analysis.md`` explains each one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from optbench.report.figures.base import FigureFile
from optbench.report.figures.curves import (
    best_of_k_figure,
    target_sweep_figure,
    training_curves_figure,
)
from optbench.report.figures.hparams import hparams_figure
from optbench.report.figures.rankings import (
    errors_figure,
    protocols_figure,
    steps_figure,
    train_loss_figure,
)
from optbench.report.results import WorkloadResult

#: Per group: (file prefix, drawing function), in the order the report shows them.
GROUP_FIGURES = (
    ("errors", errors_figure),
    ("best-of-k", best_of_k_figure),
    ("steps-to-target", steps_figure),
    ("target-sweep", target_sweep_figure),
    ("train-loss", train_loss_figure),
    ("training-curves", training_curves_figure),
)


def slug(*parts: str) -> str:
    """A file-name-safe stem from ``parts``."""
    return "--".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", part) for part in parts)


@dataclass
class WorkloadFigures:
    """A workload's figures: the protocol comparison, each group's, each study's."""

    protocols: FigureFile | None = None
    groups: dict[str, list[FigureFile]] = field(default_factory=dict)
    studies: dict[str, dict[str, FigureFile]] = field(default_factory=dict)

    def all(self) -> list[FigureFile]:
        found = [self.protocols] if self.protocols is not None else []
        for protocol, files in self.groups.items():
            found += files + list(self.studies.get(protocol, {}).values())
        return found


def draw_workload(result: WorkloadResult, directory: Path) -> WorkloadFigures:
    """Draw every figure of one workload into ``directory``."""
    name = result.workload.name
    figures = WorkloadFigures(protocols_figure(result, directory, slug("protocols", name)))
    for protocol, group in result.groups.items():
        drawn = [
            draw(group, directory, slug(prefix, name, protocol)) for prefix, draw in GROUP_FIGURES
        ]
        figures.groups[protocol] = [f for f in drawn if f is not None]
        studies = {}
        for optimizer, study in group.group.studies.items():
            stem = slug("hparams", name, protocol, optimizer)
            best = group.best[optimizer].index
            drawn_study = hparams_figure(
                study, group.boundary.get(optimizer), best, directory, stem
            )
            if drawn_study is not None:
                studies[optimizer] = drawn_study
        figures.studies[protocol] = studies
    return figures


__all__ = ["FigureFile", "WorkloadFigures", "draw_workload", "slug"]
