"""Refine: the final search spaces of a comparison, proposed from its initial studies.

Choi et al. (2019) chose each final search space after an initial, wider study, so that the
best trials lie well inside the final space rather than on its boundary. :func:`refine` does
that step as a pure function of the initial studies' finished points and their spaces: the
same points always give the same proposal, to the byte of its YAML.

Per optimizer, the *top set* is the best q = max(``min_top``, ceil(``top_fraction`` * N)) of
its N finished points by final validation error (ties: the earlier point; diverged points are
never in it). Each searched hyperparameter's final range is the top set's span in the scale's
own coordinate, widened by a margin and extended past an initial bound that a top point lies
near (:mod:`optbench.tuning.refine_axes` has the rule); a ``choice`` keeps the values its top
set took; a fixed hyperparameter stays fixed; the learning-rate axis searched (``lr``,
``lr_over_eps``, ``lr_over_sqrt_eps``) is refined like any other. The schedule is shared by all
optimizers of a protocol, so its parameters are refined from the top sets of all of them
together, and so are the workload's own hyperparameters (``l2``, dropout, ...) when the
protocol searches them. Last, every inclusion the initial spaces keep reachable is kept reachable
(:mod:`optbench.tuning.refine_inclusions`). The proposal is a
:class:`~optbench.tuning.protocols.Protocol` with one final space per optimizer, written as YAML
whose comments give the reason for every range (:mod:`optbench.tuning.refine_yaml`).

>>> proposal = refine(initial_studies, name="full", trials=32, base_lr=0.05)  # doctest: +SKIP
>>> print(proposal.yaml)                                                      # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from optbench.errors import InvalidParameterError, check_int, check_positive
from optbench.tuning.protocols import Protocol
from optbench.tuning.reachability import InclusionCheck, check_inclusions
from optbench.tuning.refine_axes import (
    Axis,
    Limits,
    Refined,
    decades,
    describe_range,
    refine_choice,
    refine_range,
)
from optbench.tuning.refine_inclusions import keep_inclusions
from optbench.tuning.refine_yaml import render_protocol
from optbench.tuning.scales import Hyperparameter
from optbench.tuning.spaces import SearchSpace

SHARED = ("schedule", "workload")  # sections of a space that all optimizers of a protocol share


@dataclass(frozen=True)
class RefineRule:
    """The parameters of the rule, with their defaults (docs/protocols.md, "Two stages").

    ``top_fraction``, ``min_top``: the top set is the best max(min_top, ceil(top_fraction * N))
    of N finished points. ``margin``: added on each side of the top set's span, as a fraction
    of it, but at least ``min_margin_decades`` decades on log scales and ``min_margin_linear``
    of the initial range on linear ones. ``near``: a top point within this unit-coordinate
    distance of an initial bound extends the range ``extend_decades`` decades past it
    (``extend_linear`` of the initial range on linear scales). ``min_points``: fewer finished
    points than this is refused. ``large_eps``: the reachability checks' "eps far above the
    gradient scale". ``digits``: significant digits of the final bounds (rounded outward).
    """

    top_fraction: float = 0.2
    min_top: int = 3
    margin: float = 0.25
    min_margin_decades: float = 0.5
    min_margin_linear: float = 0.1
    near: float = 0.05
    extend_decades: float = 1.0
    extend_linear: float = 0.25
    min_points: int = 8
    large_eps: float = 1.0
    digits: int = 2

    def __post_init__(self) -> None:
        if not 0.0 < self.top_fraction <= 1.0:
            raise InvalidParameterError("top_fraction", self.top_fraction, "a number in (0, 1]")
        if not 0.0 <= self.near < 0.5:
            raise InvalidParameterError("near", self.near, "a number in [0, 0.5)")
        for name in ("margin", "extend_decades", "extend_linear"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise InvalidParameterError(name, value, "a finite number >= 0")
        for name in ("min_margin_decades", "min_margin_linear", "large_eps"):
            check_positive(name, getattr(self, name))
        check_int("min_top", self.min_top, 1)
        check_int("min_points", self.min_points, 1)
        check_int("digits", self.digits, 1, 15)

    def top_count(self, n_points: int) -> int:
        """q = max(min_top, ceil(top_fraction * N))."""
        return max(self.min_top, math.ceil(self.top_fraction * n_points))

    def describe(self) -> str:
        """The rule in one paragraph, with its parameters (for the YAML header)."""
        return (
            f"top set = the best max({self.min_top}, ceil({self.top_fraction:g} N)) of N finished "
            f"points by final validation error (diverged left out); per hyperparameter its span "
            f"in the scale's coordinate (log10 x, log10(1 - x), x) plus a margin of "
            f"{self.margin:g} of the span each side, at least {decades(self.min_margin_decades)} "
            f"({self.min_margin_linear:g} of the initial range on linear scales), cut to the "
            f"initial range except past a bound a top point lies within {self.near:g} of "
            f"(unit coordinates): there extended {decades(self.extend_decades)} "
            f"({self.extend_linear:g} of the range on linear scales) within the valid values; "
            f"bounds rounded outward to {self.digits} significant digits; inclusions kept with "
            f"large_eps = {self.large_eps:g}."
        )

    def parameters(self) -> dict[str, float]:
        """Every parameter by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class InitialStudy:
    """What refine reads of one initial study: its space and its finished points (done or
    diverged), as ``unit`` coordinates (one row per point, one column per dimension of the
    space) and final ``validation_error`` (+inf or NaN where the point diverged). ``label``
    names the study in the proposal's header."""

    space: SearchSpace
    unit: np.ndarray
    validation_error: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        errors = np.asarray(self.validation_error, dtype=np.float64).reshape(-1)
        unit = np.asarray(self.unit, dtype=np.float64)
        dimensions = len(self.space.dimensions)
        if unit.size == 0:
            unit = unit.reshape(0, dimensions)
        if unit.ndim != 2 or unit.shape != (errors.size, dimensions):
            raise InvalidParameterError(
                "unit", unit.shape, f"({errors.size}, {dimensions}): one row per point, one "
                f"column per dimension of the {self.space.optimizer} space"
            )
        if not np.all((unit >= 0.0) & (unit <= 1.0)):
            raise InvalidParameterError("unit", "values outside [0, 1]", "unit coordinates")
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "validation_error", np.where(np.isnan(errors), np.inf, errors))

    @property
    def name(self) -> str:
        return self.label or f"initial study of {self.space.optimizer}"

    def top(self, rule: RefineRule) -> np.ndarray:
        """The rows of the top set, best first; refused with too few points."""
        n = self.validation_error.size
        finite = int(np.isfinite(self.validation_error).sum())
        if n < rule.min_points or finite < rule.min_top:
            raise InvalidParameterError(
                self.name,
                f"{n} finished points, {finite} not diverged",
                f"at least {rule.min_points} finished points, {rule.min_top} of them not "
                "diverged (run more initial trials)",
            )
        order = np.argsort(self.validation_error, kind="stable")
        return order[: min(rule.top_count(n), finite)]


@dataclass(frozen=True, eq=False)
class Proposal:
    """The final protocol and why: ``reasons[optimizer][hyperparameter]`` and, for what all
    optimizers share, ``shared_reasons[dimension]`` (``schedule.<name>``, ``workload.<name>``),
    the inclusion verdicts of the initial and the final spaces, the rule, and the protocol as
    YAML text with all of it in comments."""

    protocol: Protocol
    yaml: str
    initial_spaces: dict[str, SearchSpace]
    reasons: dict[str, dict[str, str]]
    shared_reasons: dict[str, str]
    initial_checks: tuple[InclusionCheck, ...]
    final_checks: tuple[InclusionCheck, ...]
    rule: RefineRule

    def inclusion_lines(self) -> list[str]:
        """One line per inclusion of the comparison (see :func:`inclusion_lines`)."""
        return inclusion_lines(self.initial_checks, self.final_checks)

    def summary(self) -> str:
        """Every hyperparameter's initial and final range, then the inclusions."""
        lines = [f"protocol {self.protocol.name}: {len(self.protocol.spaces)} final spaces"]
        for optimizer, space in self.protocol.spaces.items():
            lines.append(f"  {optimizer}")
            initial = self.initial_spaces[optimizer]
            for h in space.hyperparameters:
                before = describe_range(initial.get(h.name))
                lines.append(f"    {h.name:<24} {before:<22} -> {describe_range(h)}")
        first = next(iter(self.initial_spaces.values()))
        final = next(iter(self.protocol.spaces.values()))
        for section in SHARED:
            if getattr(final, f"{section}_hyperparameters"):
                lines.append(f"  {section} (all optimizers)")
            for h in getattr(final, f"{section}_hyperparameters"):
                before = describe_range(first.get(f"{section}.{h.name}"))
                lines.append(f"    {h.name:<24} {before:<22} -> {describe_range(h)}")
        return "\n".join(lines + ["inclusions:"] + [f"  {line}" for line in self.inclusion_lines()])


def inclusion_lines(
    initial: Sequence[InclusionCheck], final: Sequence[InclusionCheck]
) -> list[str]:
    """One line per inclusion: kept reachable by the final spaces, broken already in the
    initial spaces, or not kept (refine widens the final spaces so that this never happens
    where a range can widen)."""
    before = {(c.special, c.general): c.reachable for c in initial}
    lines = []
    for check in final:
        pair = f"{check.special} ⊆ {check.general}"
        if check.reachable:
            lines.append(f"{pair}: kept reachable ({check.how})")
        elif not before[(check.special, check.general)]:
            reasons = "; ".join(check.reasons)
            lines.append(f"{pair}: broken already in the initial spaces: {reasons}")
        else:
            lines.append(f"{pair}: NOT kept: {'; '.join(check.reasons)}")
    return lines


def _refine_one(
    space: SearchSpace, h: Hyperparameter, name: str, top: np.ndarray, counted: str, rule
) -> Refined:
    if h.scale == "fixed":
        return Refined(h, "fixed in the initial space")
    if h.scale == "choice":
        return refine_choice(h, top, counted)
    limits = Limits.of(space.optimizer, name, space.bounds)
    if limits == Limits() and h.low >= 0:  # no bounds known: a range of numbers >= 0 stays so
        limits = Limits(0.0)
    return refine_range(Axis(h, limits), top, counted, rule)


def _shared(space: SearchSpace) -> tuple:
    return (space.schedule, *(getattr(space, f"{s}_hyperparameters") for s in SHARED))


def _shared_space(studies: Mapping[str, InitialStudy]) -> SearchSpace:
    """The first study's space, once every study shares its schedule and workload
    hyperparameters (as the studies of one protocol do)."""
    spaces = [s.space for s in studies.values()]
    first = spaces[0]
    for space in spaces[1:]:
        if _shared(space) != _shared(first):
            raise InvalidParameterError(
                "initial", space.optimizer,
                f"studies of one protocol: its schedule or workload hyperparameters differ "
                f"from {first.optimizer}'s",
            )  # fmt: skip
    return first


def _ordered(initial: Mapping[str, InitialStudy]) -> dict[str, InitialStudy]:
    from optbench import optimizers

    if not initial:
        raise InvalidParameterError("initial", {}, "at least one initial study")
    for name, study in initial.items():
        if study.space.optimizer != name:
            raise InvalidParameterError(f"initial[{name!r}]", study.space.optimizer, name)
    known = optimizers.available()
    order = sorted(initial, key=lambda n: (known.index(n) if n in known else len(known), n))
    return {name: initial[name] for name in order}


def refine(
    initial: Mapping[str, InitialStudy],
    *,
    name: str,
    trials: int,
    base_lr: float | None,
    description: str | None = None,
    sampler: str = "quasirandom",
    rule: RefineRule | None = None,
    header: Sequence[str] = (),
    inclusions: Sequence = (),
) -> Proposal:
    """The final protocol proposed from ``initial`` (optimizer -> its initial study), all
    optimizers of the comparison together (module docstring). ``base_lr`` is the base
    learning rate the initial spaces' rates were written for (the workload's, when they come
    from a store), so that loading the protocol for that workload gives exactly the proposed
    ranges. ``header`` lines open the YAML (where the studies came from). ``inclusions``: the
    inclusions the optimizers declare, kept reachable like the paper's."""
    rule = rule or RefineRule()
    studies = _ordered(initial)
    shared = _shared_space(studies)
    tops = {o: s.top(rule) for o, s in studies.items()}
    spaces, reasons = {}, {}
    for optimizer, study in studies.items():
        column = {n: i for i, (n, _) in enumerate(study.space.dimensions)}
        counted = f"top {tops[optimizer].size} of {study.validation_error.size} points"
        refined = {
            h.name: _refine_one(
                study.space, h, h.name,
                study.unit[tops[optimizer], column[h.name]] if h.searched else np.zeros(0),
                counted, rule,
            )  # fmt: skip
            for h in study.space.hyperparameters
        }
        reasons[optimizer] = {n: r.reason for n, r in refined.items()}
        spaces[optimizer] = tuple(r.hyperparameter for r in refined.values())
    pooled = f"top {sum(t.size for t in tops.values())} points of the {len(studies)} studies"
    common: dict[str, Refined] = {}  # the schedule's and the workload's, from all top sets
    for section in SHARED:
        for h in getattr(shared, f"{section}_hyperparameters"):
            dimension = f"{section}.{h.name}"
            top = np.concatenate([
                s.unit[tops[o], [n for n, _ in s.space.dimensions].index(dimension)]
                if h.searched else np.zeros(0)
                for o, s in studies.items()
            ])  # fmt: skip
            common[dimension] = _refine_one(shared, h, dimension, top, pooled, rule)
    sections = {
        f"{section}_hyperparameters": tuple(
            r.hyperparameter for d, r in common.items() if d.startswith(f"{section}.")
        )
        for section in SHARED
    }
    final = {
        o: SearchSpace(o, h, shared.schedule, **sections, arguments=studies[o].space.arguments,
                       bounds=studies[o].space.bounds)  # fmt: skip
        for o, h in spaces.items()
    }
    initial_spaces = {o: s.space for o, s in studies.items()}
    kept = keep_inclusions(initial_spaces, final, large_eps=rule.large_eps, digits=rule.digits,
                           declared=inclusions)  # fmt: skip
    for optimizer, notes in kept.widened.items():
        for hyperparameter, note in notes.items():
            reasons[optimizer][hyperparameter] += f"; {note}"
    initial_checks = tuple(
        check_inclusions(initial_spaces, large_eps=rule.large_eps, declared=inclusions)
    )
    shared_reasons = {d: r.reason for d, r in common.items()}
    lines = [*header, f"Rule: {rule.describe()}", "Inclusions:"]
    lines += [f"  {line}" for line in inclusion_lines(initial_checks, kept.checks)]
    text = render_protocol(
        name=name,
        description=description or "final spaces refined from initial studies (optbench refine)",
        sampler=sampler,
        trials=trials,
        base_lr=base_lr,
        spaces=kept.spaces,
        reasons=reasons,
        shared_reasons=shared_reasons,
        header=lines,
    )
    return Proposal(
        protocol=Protocol.from_yaml(text, source=f"the proposal for {name}"),
        yaml=text,
        initial_spaces=initial_spaces,
        reasons=reasons,
        shared_reasons=shared_reasons,
        initial_checks=initial_checks,
        final_checks=kept.checks,
        rule=rule,
    )
