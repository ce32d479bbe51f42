"""The statistics of a report, computed once from the grouped studies with
:mod:`optbench.analysis` and then drawn, tabulated and described.

Per group (workload and precision x protocol) and *criterion*:

| criterion | selects by | reports | paper |
|---|---|---|---|
| ``validation_error`` | final validation error | final validation error | Fig. 1 |
| ``test_error`` | final validation error | final test error | Fig. 1 |
| ``train_loss`` | final training loss | final training loss | Fig. 9 |
| ``steps_to_target`` | steps to the target | steps to the target | Fig. 2 |

each gives a ranking (best-of-N bands), the win probabilities and the inclusion verdicts.
Steps to the target count on the curve of the group's target metric (the validation error, or
the validation loss for a workload whose target is a loss, :mod:`optbench.target_metrics`).
Best-of-k curves (Figs. 6-8) select by validation error; the target sweep (Fig. 10) runs from
the best value of the target metric reached to beyond the target. Across protocols, each
protocol is compared with the fullest one (the last in protocol order). A two-stage protocol
is compared through its final studies, and its group also shows both stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optbench import analysis
from optbench.report.data import StudyData
from optbench.report.groups import Group, Workload
from optbench.report.stages import TwoStages, two_stages

CRITERIA: dict[str, tuple[str, str, str]] = {
    # name: (selection metric, reported metric, label)
    "validation_error": ("validation_error", "validation_error", "validation error"),
    "test_error": ("validation_error", "test_error", "test error (selected by validation)"),
    "train_loss": ("train_loss", "train_loss", "training loss (selected by training loss)"),
    "steps_to_target": ("steps_to_target", "steps_to_target", "steps to target"),
}
CURVE_METRICS = ("validation_error", "test_error")
N_TARGETS = 25


@dataclass(frozen=True, eq=False)
class Criterion:
    """One criterion's ranking, win probabilities and inclusion verdicts."""

    name: str
    label: str
    ranking: analysis.Ranking
    wins: analysis.WinProbabilities
    verdicts: tuple[analysis.InclusionVerdict, ...]


@dataclass(frozen=True, eq=False)
class GroupResult:
    """Everything the report shows about one workload under one protocol."""

    group: Group
    criteria: dict[str, Criterion]
    best: dict[str, analysis.Selection]
    curves: dict[str, dict[str, analysis.BestOfKCurve]]
    flattening: dict[str, dict[str, int]]
    overtakes: tuple[analysis.Overtake, ...]
    targets: np.ndarray | None
    sweeps: dict[str, analysis.TargetSweep]
    boundary: dict[str, tuple[analysis.BoundaryCheck, ...]]
    divergence: dict[str, tuple[analysis.DivergenceProfile, ...]]
    seed_noise: dict[str, analysis.SeedNoise]
    stages: TwoStages | None = None


@dataclass(frozen=True, eq=False)
class WorkloadResult:
    """A workload's group results and its protocol comparisons (each against the fullest)."""

    workload: Workload
    groups: dict[str, GroupResult]
    comparisons: tuple[analysis.ProtocolComparison, ...]


def _metrics(study: StudyData, steps: np.ndarray | None) -> dict[str, np.ndarray]:
    metrics = {name: np.where(np.isnan(v), np.inf, v) for name, v in study.final.items()}
    if steps is not None:
        metrics["steps_to_target"] = steps
    return metrics


def _target_curves(study: StudyData, metric: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every point's evaluation steps and values of ``metric`` (the target metric)."""
    curves = [c.get(metric) for c in study.curves]
    steps = [np.zeros(0) if c is None else c.steps for c in curves]
    values = [np.zeros(0) if c is None else c.values for c in curves]
    return steps, values


def _steps(study: StudyData, group: Group) -> np.ndarray:
    curves = _target_curves(study, group.target_metric.name)
    return analysis.steps_to_target(*curves, group.target, study.diverged)


def _target_grid(group: Group) -> np.ndarray | None:
    """Targets from the best value of the target metric any point reached to half as far
    again beyond the target or the worst study's best final value (an error rate stops at 1)."""
    metric = group.target_metric
    finite = [
        c[metric.name].values
        for s in group.studies.values()
        for c, d in zip(s.curves, s.diverged, strict=True)
        if metric.name in c and not d
    ]
    values = np.concatenate(finite) if finite else np.zeros(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low = float(values.min())
    finals = [s.final[metric.name] for s in group.studies.values()]
    best_finals = [float(f[np.isfinite(f)].min()) for f in finals if np.isfinite(f).any()]
    high = max([group.target or 0.0, *best_finals])
    high = max(high * 1.5, low * 1.5, low + 0.01)
    return np.linspace(low, min(1.0, high) if metric.rate else high, N_TARGETS)


def _criteria(metric_sets: dict[str, dict[str, np.ndarray]], n_boot: int, seed: int, group):
    criteria = {}
    for name, (select, report, label) in CRITERIA.items():
        if name == "steps_to_target" and group.target is None:
            continue
        if name == "test_error" and not group.has_test:
            continue
        studies = {o: (m[select], m[report]) for o, m in metric_sets.items()}
        ranking = analysis.rank_optimizers(studies, n_boot=n_boot, seed=seed)
        verdicts = analysis.inclusion_verdicts(ranking, group.inclusions)
        wins = analysis.win_probabilities(ranking)
        if name == "steps_to_target":  # what the target is: "steps to 3.45 validation loss"
            label = f"steps to {group.target_metric.describe(group.target)}"
        criteria[name] = Criterion(name, label, ranking, wins, verdicts)
    return criteria


def group_result(
    group: Group, n_boot: int = 1000, seed: int = 0, initial: Sequence[StudyData] = ()
) -> GroupResult:
    """The statistics of one group (module docstring); with the workload's ``initial``
    studies, the two stages of a two-stage protocol (:mod:`optbench.report.stages`)."""
    steps = {}
    if group.target is not None:
        steps = {o: _steps(s, group) for o, s in group.studies.items()}
    metric_sets = {o: _metrics(s, steps.get(o)) for o, s in group.studies.items()}
    criteria = _criteria(metric_sets, n_boot, seed, group)
    best = {
        o: analysis.select_best(m, report=("validation_error", "test_error", "train_loss"))
        for o, m in metric_sets.items()
    }
    curves, flattening = {}, {}
    for metric in CURVE_METRICS if group.has_test else CURVE_METRICS[:1]:
        pairs = {o: (m["validation_error"], m[metric]) for o, m in metric_sets.items()}
        curves[metric] = analysis.best_of_k_curves(pairs, n_boot=n_boot, seed=seed)
        flattening[metric] = {o: analysis.flattening_k(c) for o, c in curves[metric].items()}
    targets = _target_grid(group)
    sweeps = {}
    if targets is not None:
        for o, s in group.studies.items():
            sweeps[o] = analysis.target_sweep(
                *_target_curves(s, group.target_metric.name),
                targets,
                diverged=s.diverged,
                n_boot=n_boot,
                seed=analysis.study_seed(seed, o),
            )
    boundary, divergence, noise = {}, {}, {}
    for o, s in group.studies.items():
        if s.dimensions:
            select = metric_sets[o]["validation_error"]
            boundary[o] = analysis.boundary_checks(s.unit, s.dimensions, select)
            divergence[o] = analysis.divergence_by_region(s.unit, s.dimensions, s.diverged)
        if s.trial_points.size > s.n_points:
            try:
                noise[o] = analysis.seed_noise(s.trial_points, s.trial_validation_error)
            except ValueError:
                pass
    return GroupResult(
        group=group,
        criteria=criteria,
        best=best,
        curves=curves,
        flattening=flattening,
        overtakes=analysis.overtakes(curves["validation_error"]),
        targets=targets,
        sweeps=sweeps,
        boundary=boundary,
        divergence=divergence,
        seed_noise=noise,
        stages=two_stages(group, list(initial)),
    )


def workload_result(workload: Workload, n_boot: int = 1000, seed: int = 0) -> WorkloadResult:
    """Every group's statistics and each protocol compared with the fullest one."""
    groups = {
        p: group_result(g, n_boot, seed, workload.initial) for p, g in workload.groups.items()
    }
    comparisons = []
    names = list(groups)
    for protocol in names[:-1]:
        first = groups[protocol].criteria["validation_error"].ranking
        second = groups[names[-1]].criteria["validation_error"].ranking
        if set(first.names) & set(second.names):
            pairs = tuple(dict.fromkeys((*groups[protocol].group.inclusions,
                                         *groups[names[-1]].group.inclusions)))  # fmt: skip
            comparisons.append(
                analysis.compare_protocols(first, second, protocol, names[-1], pairs)
            )
    return WorkloadResult(workload, groups, tuple(comparisons))
