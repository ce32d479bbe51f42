"""Studies grouped for comparison: by workload and precision, then protocol, then optimizer.

Results at different numeric precisions (``settings["precision"]``: float32, tf32,
bfloat16) are never compared as one: the studies of one workload at one precision form a
*setting* of the report, named after the workload, with the precision in brackets when it is
not float32 (``lm_transformer (bfloat16)``), and each setting has its own groups. Within a
setting and protocol, each optimizer's study is one entry of the comparison (the
paper's Figs. 1, 2, 6-10); across protocols of one workload the same optimizers give the
protocol comparison (Figs. 3-4). When a (workload, protocol, optimizer) has several studies
(a space or budget changed, so a new study key), the newest with results is compared and the
others are listed as *superseded* (never by a study at another precision). Studies with no
finished point yet are *waiting*.

An optimizer is keyed by the name the report shows (:attr:`StudyData.optimizer_name`: the
declared or class name of one given by import path), and a group's inclusions are the paper's
and those its optimizers declare.

The initial studies of a two-stage protocol (``settings["stage"]["name"] == "initial"``) form no
group of their own: the protocol is compared through its final studies, and its initial ones
are kept apart (``Workload.initial``) for the report's account of the two stages
(:mod:`optbench.report.stages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optbench.report.data import StudyData
from optbench.report.style import order_optimizers, order_protocols
from optbench.target_metrics import DEFAULT_TARGET_METRIC, TargetMetric, target_metric


def setting_name(workload: str, precision: str) -> str:
    """The name the report gives a workload's studies at one precision: the workload, and
    the precision in brackets when it is not float32."""
    return workload if precision == "float32" else f"{workload} ({precision})"


def study_setting(study: StudyData) -> str:
    """:func:`setting_name` of a study's workload and precision."""
    return setting_name(study.spec.workload, study.precision)


@dataclass(frozen=True, eq=False)
class Group:
    """The studies of one workload at one precision under one protocol, by optimizer in the
    fixed order."""

    workload: str
    protocol: str
    studies: dict[str, StudyData]
    precision: str

    @property
    def setting(self) -> str:
        """The workload, with the precision in brackets when not float32 (:func:`setting_name`)."""
        return setting_name(self.workload, self.precision)

    @property
    def partial(self) -> bool:
        return any(study.partial for study in self.studies.values())

    @property
    def target(self) -> float | None:
        """The workload's target (the first study's that has one), a value of
        :attr:`target_metric`."""
        targets = [s.target for s in self.studies.values() if s.target is not None]
        return targets[0] if targets else None

    @property
    def target_metric(self) -> TargetMetric:
        """What :attr:`target` is a value of (the validation error or loss): the metric of
        the first study with a target."""
        metrics = [s.target_metric for s in self.studies.values() if s.target is not None]
        return metrics[0] if metrics else target_metric(DEFAULT_TARGET_METRIC)

    @property
    def has_test(self) -> bool:
        return any("test_error" in study.metrics for study in self.studies.values())

    @property
    def inclusions(self) -> tuple:
        """The pairs special ⊆ general to give verdicts on: the paper's, then those the
        group's optimizers declare (by the names the report shows)."""
        from optbench.optimizers.inclusions import INCLUSIONS

        declared = [
            DeclaredPair(found["special_name"], name)
            for name, study in self.studies.items()
            for found in study.declared_inclusions
        ]
        return (*INCLUSIONS, *dict.fromkeys(declared))


@dataclass(frozen=True)
class DeclaredPair:
    """An inclusion a study's optimizer declares, by the names the report shows."""

    special: str
    general: str


@dataclass(frozen=True, eq=False)
class Workload:
    """One workload's groups at one precision, from the narrowest protocol to the fullest,
    its studies with no finished point yet, and the initial studies of its two-stage
    protocols."""

    workload: str
    precision: str
    groups: dict[str, Group]
    waiting: list[StudyData] = field(default_factory=list)
    initial: list[StudyData] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The setting's name in the report (:func:`setting_name`)."""
        return setting_name(self.workload, self.precision)

    @property
    def partial(self) -> bool:
        others = [*self.waiting, *self.initial]
        return any(g.partial for g in self.groups.values()) or any(s.partial for s in others)


def group_studies(studies: list[StudyData]) -> dict[str, Workload]:
    """Settings (workload and precision, :func:`setting_name`, alphabetically) with their
    groups; see the module docstring."""
    found: dict[str, dict[str, dict[str, list[StudyData]]]] = {}
    waiting: dict[str, list[StudyData]] = {}
    initial: dict[str, list[StudyData]] = {}
    settings: dict[str, tuple[str, str]] = {}
    for study in studies:
        spec, name = study.spec, study_setting(study)
        settings[name] = (spec.workload, study.precision)
        if study.stage.get("name") == "initial":
            initial.setdefault(name, []).append(study)
            continue
        if study.n_points == 0:
            waiting.setdefault(name, []).append(study)
            continue
        by_protocol = found.setdefault(name, {}).setdefault(spec.protocol, {})
        by_protocol.setdefault(study.optimizer_name, []).append(study)
    workloads = {}
    for name in sorted(settings):
        workload, precision = settings[name]
        protocols = found.get(name, {})
        groups = {}
        for protocol in order_protocols(protocols):
            newest = {
                optimizer: max(protocols[protocol][optimizer], key=lambda s: s.id)
                for optimizer in order_optimizers(protocols[protocol])
            }
            groups[protocol] = Group(workload, protocol, newest, precision)
        workloads[name] = Workload(
            workload, precision, groups, waiting.get(name, []), initial.get(name, [])
        )
    return workloads
