"""A study store read into arrays for the analysis: one :class:`StudyData` per study.

The statistics work on *points* of the search space. A point run with several seeds
(``settings["seeds"]`` replicates) counts once, with the mean of its replicates' final values
and their mean curve (at the steps all of them evaluated); with one seed per point, as in the
paper, a point is a trial. Trial states decide what counts:

- ``done``: its values at the last evaluation;
- ``diverged``: +inf in every metric, and a point with a diverged replicate is diverged;
- ``failed``: left out of every statistic, counted and reported as failed;
- ``pending`` / ``running``: not yet there; the study is *partial* and the report says so.

Metric names are the runner's: ``train_loss``, ``validation_loss``, ``validation_error``,
``test_loss``, ``test_error`` and ``seconds``; a NULL value is NaN.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from optbench.errors import InvalidParameterError
from optbench.store import RESULT_STATES, WAITING_STATES, Store, StudySpec, TrialState
from optbench.target_metrics import DEFAULT_TARGET_METRIC, TargetMetric, target_metric
from optbench.tuning.spaces import SearchSpace

#: The per-trial final metrics the report uses.
FINAL_METRICS: tuple[str, ...] = ("validation_error", "test_error", "train_loss", "validation_loss")


@dataclass(frozen=True, eq=False)
class Curve:
    """One metric of one point over training: evaluation ``steps`` and ``values`` (NaN where
    not measured)."""

    steps: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class StudyData:
    """One study's finished points as arrays aligned with ``points`` (the sampler's indices).

    ``final[metric]`` is +inf at diverged points and NaN where the metric was never recorded;
    ``unit`` holds the unit-cube coordinates, one column per name of ``dimensions``;
    ``trial_points``/``trial_validation_error`` keep every finished replicate (for seed noise).
    """

    id: int
    spec: StudySpec
    space: SearchSpace | None
    counts: dict[str, int]
    points: np.ndarray
    dimensions: tuple[str, ...]
    unit: np.ndarray
    diverged: np.ndarray
    final: dict[str, np.ndarray]
    curves: list[dict[str, Curve]]
    hparams: list[dict]
    schedule_params: list[dict]
    trial_points: np.ndarray
    trial_validation_error: np.ndarray
    metrics: frozenset[str] = field(default_factory=frozenset)
    space_error: str | None = None

    @property
    def n_points(self) -> int:
        return int(self.points.size)

    @property
    def partial(self) -> bool:
        """Trials are still pending or running."""
        return any(self.counts.get(state.value, 0) for state in WAITING_STATES)

    @property
    def failed(self) -> int:
        return self.counts.get(TrialState.FAILED.value, 0)

    @property
    def target(self) -> float | None:
        """The workload's target, a value of :attr:`target_metric` (None: no target)."""
        target = self.spec.settings.get("target")
        return None if target is None else float(target)

    @property
    def target_metric(self) -> TargetMetric:
        """What the target is a value of: the validation error unless the study says
        otherwise (``settings["target_metric"]``; older studies do not, their targets are
        error rates)."""
        return target_metric(self.spec.settings.get("target_metric", DEFAULT_TARGET_METRIC))

    @property
    def precision(self) -> str:
        """The arithmetic its trials ran in (``settings["precision"]``; float32 for studies
        stored before the option existed)."""
        return self.spec.settings.get("precision") or "float32"

    @property
    def stage(self) -> dict:
        """``settings["stage"]`` of a study of a two-stage protocol (its ``name`` is
        ``initial`` or ``final``); empty for a single-stage study."""
        return self.spec.settings.get("stage") or {}

    @property
    def optimizer_name(self) -> str:
        """The optimizer's name in the report: its declared (or class) name for one given by
        import path (``settings["optimizer"]["name"]``), else its registered name."""
        return (self.spec.settings.get("optimizer") or {}).get("name", self.spec.optimizer)

    @property
    def declared_inclusions(self) -> list[dict]:
        """The inclusions its optimizer declares, as stored: ``special``, ``special_name``,
        ``note`` (the map in words) and ``map``."""
        return list((self.spec.settings.get("optimizer") or {}).get("includes", []))

    @property
    def label(self) -> str:
        """``workload / optimizer / protocol``, then ``/ precision`` when not float32."""
        label = f"{self.spec.workload} / {self.optimizer_name} / {self.spec.protocol}"
        return label if self.precision == "float32" else f"{label} / {self.precision}"


def _space(spec: StudySpec) -> tuple[SearchSpace | None, str | None]:
    """The study's search space, or None and why (the report then shows the raw YAML)."""
    try:
        return SearchSpace.from_yaml(spec.space_yaml, source=f"study {spec.name}"), None
    except (InvalidParameterError, ValueError) as error:
        return None, str(error)


def _trial_curves(rows: list) -> dict[str, Curve]:
    by_metric: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for row in rows:
        by_metric[row.metric].append((row.step, np.nan if row.value is None else row.value))
    curves = {}
    for metric, pairs in by_metric.items():
        pairs.sort()
        steps, values = zip(*pairs, strict=True)
        curves[metric] = Curve(np.array(steps, dtype=np.float64), np.array(values, np.float64))
    return curves


def _mean_curve(curves: list[Curve]) -> Curve:
    if len(curves) == 1:
        return curves[0]
    steps = curves[0].steps
    for curve in curves[1:]:
        steps = np.intersect1d(steps, curve.steps)
    values = [c.values[np.searchsorted(c.steps, steps)] for c in curves]
    return Curve(steps, np.mean(values, axis=0))


def _final(curve: Curve | None) -> float:
    if curve is None or curve.values.size == 0:
        return np.nan
    return float(curve.values[-1])


def _point(trials: list, curves: list[dict[str, Curve]]) -> tuple[bool, dict, dict]:
    """(diverged, final values, mean curves) of one point's finished replicates."""
    diverged = any(t.state == TrialState.DIVERGED for t in trials)
    finals = {}
    for metric in FINAL_METRICS:
        values = [_final(c.get(metric)) for c in curves]
        finals[metric] = np.inf if diverged else float(np.mean(values))
    names = set.intersection(*(set(c) for c in curves))
    mean = {name: _mean_curve([c[name] for c in curves]) for name in sorted(names)}
    return diverged, finals, mean


def load_study(store: Store, study_id: int, spec: StudySpec, counts: dict[str, int]) -> StudyData:
    """Read one study's trials and measurements into a :class:`StudyData`."""
    space, space_error = _space(spec)
    dimensions = tuple(name for name, _ in space.dimensions) if space is not None else ()
    by_trial: dict[int, list] = defaultdict(list)
    for row in store.measurements(study_id):
        by_trial[row.trial_id].append(row)
    groups: dict[int, list] = defaultdict(list)
    for trial in store.trials(study_id):
        if TrialState(trial.state) in RESULT_STATES:
            groups[trial.index].append(trial)
    metrics = frozenset(row.metric for rows in by_trial.values() for row in rows)
    points, unit, diverged, hparams, schedule_params, curves = [], [], [], [], [], []
    finals: dict[str, list[float]] = {metric: [] for metric in FINAL_METRICS}
    trial_points, trial_errors = [], []
    for index in sorted(groups):
        trials = groups[index]
        trial_curves = [_trial_curves(by_trial[t.id]) for t in trials]
        point_diverged, point_finals, mean = _point(trials, trial_curves)
        points.append(index)
        unit.append([float(u) for u in trials[0].unit_point][: len(dimensions)])
        diverged.append(point_diverged)
        hparams.append(dict(trials[0].hparams))
        schedule_params.append({"schedule": trials[0].schedule, **trials[0].schedule_params})
        curves.append(mean)
        for metric, value in point_finals.items():
            finals[metric].append(value)
        for trial, trial_curve in zip(trials, trial_curves, strict=True):
            trial_points.append(index)
            failed = trial.state == TrialState.DIVERGED
            trial_errors.append(np.inf if failed else _final(trial_curve.get("validation_error")))
    return StudyData(
        id=study_id,
        spec=spec,
        space=space,
        counts=dict(counts),
        points=np.array(points, dtype=np.int64),
        dimensions=dimensions,
        unit=np.array(unit, dtype=np.float64).reshape(len(points), len(dimensions)),
        diverged=np.array(diverged, dtype=bool),
        final={metric: np.array(values, dtype=np.float64) for metric, values in finals.items()},
        curves=curves,
        hparams=hparams,
        schedule_params=schedule_params,
        trial_points=np.array(trial_points, dtype=np.int64),
        trial_validation_error=np.array(trial_errors, dtype=np.float64),
        metrics=metrics,
        space_error=space_error,
    )


def load_studies(store: Store) -> list[StudyData]:
    """Every study of ``store``, oldest first."""
    counts = store.state_counts()
    return [
        load_study(store, study_id, spec, dict(counts.get(study_id, {})))
        for study_id, spec in store.studies()
    ]
