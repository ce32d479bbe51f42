"""A conformance check that any optimizer, ours or a user's, can be run through: the properties
the comparison relies on, each judged on a small real training run
(:mod:`optbench.optimizers.probe`), in float64 unless said otherwise.

=================  ====================================================================
property           holds when
=================  ====================================================================
``reproducible``   the same seed gives the identical trajectory
``state_dict``     saving ``state_dict()`` mid-run and loading it into a fresh optimizer (and
                   model) continues the identical trajectory
``param_groups``   each param group uses its own ``lr`` (a group at lr 0 stays put) and the
                   other groups train as they would alone
``lr_changes``     an ``lr`` set in the param groups between steps is honoured (schedules set
                   it there): lr 0 from mid-run on stops the parameters, not before
``dtypes``         float32 and float64 both train, keep the parameters' dtype and agree
``zero_grad``      ``zero_grad(set_to_none=True)`` and ``(set_to_none=False)`` give the same
                   trajectory
``closure``        ``step(closure)`` is supported (the closure is called, the loss returned,
                   the trajectory the same) or refused with an exception
``inclusion ...``  each declared inclusion holds (:mod:`optbench.optimizers.inclusion_check`)
=================  ====================================================================

>>> [r.line() for r in check_optimizer("sgd")][0]  # doctest: +SKIP
'ok    reproducible: the same seed gives the identical trajectory'
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from optbench.errors import InvalidParameterError
from optbench.optimizers.declared_inclusions import PROBE_VALUES
from optbench.optimizers.inclusion_check import check_inclusion
from optbench.optimizers.probe import Probe, flat, gap, movement, train, trajectory
from optbench.optimizers.registry import REQUIRED, create, get

STEPS = 20
#: float32 and float64 runs agree to this fraction of the float64 run's movement.
DTYPE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class PropertyResult:
    """One property: whether it holds, and why not (or how, where that is worth saying)."""

    name: str
    claim: str
    holds: bool
    detail: str = ""

    def line(self) -> str:
        """``ok    name: claim`` or ``FAIL  name: claim: why``."""
        text = f"{'ok  ' if self.holds else 'FAIL'}  {self.name}: {self.claim}"
        return f"{text} ({self.detail})" if self.detail else text


def probe_arguments(optimizer: str, hparams: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The constructor's keyword arguments the check runs with: ``hparams``, else each
    default, else :data:`~optbench.optimizers.declared_inclusions.PROBE_VALUES`."""
    entry = get(optimizer)
    values = {**entry.hyperparameters, **dict(hparams or {})}
    for name, value in values.items():
        if value is REQUIRED:
            if name not in PROBE_VALUES:
                owner = f"the check of {optimizer} (its constructor has no default)"
                raise InvalidParameterError.required(f"--hparams {name}", owner)
            values[name] = PROBE_VALUES[name]
    return values


Make = Callable[[Any], torch.optim.Optimizer]


def _reproducible(make: Make) -> tuple[bool, str]:
    first, second = trajectory(make, STEPS), trajectory(make, STEPS)
    same = np.array_equal(first, second)
    return same, "" if same else f"two runs differ by {gap(first, second):.3g}"


def _state_dict(make: Make) -> tuple[bool, str]:
    whole = trajectory(make, STEPS)
    probe = Probe()
    model = probe.model()
    optimizer = make(model.parameters())
    half = STEPS // 2
    train(probe, model, optimizer, range(half))
    saved_model, saved = copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict())
    fresh = probe.model(seed=2)
    fresh.load_state_dict(saved_model)
    resumed = make(fresh.parameters())
    resumed.load_state_dict(saved)
    rows = train(probe, fresh, resumed, range(half, STEPS))
    difference = gap(np.stack(rows), whole[half + 1 :])
    why = f"the resumed run differs by {difference:.3g}"
    return difference == 0, "" if difference == 0 else why


def _split(params) -> tuple[list, list]:
    """The probe model's first layer (weight and bias) and the rest."""
    parameters = list(params)
    return parameters[:2], parameters[2:]


def _param_groups(make: Make) -> tuple[bool, str]:
    def grouped(params):
        first, rest = _split(params)
        return make([{"params": first}, {"params": rest, "lr": 0.0}])

    both, alone = trajectory(grouped, STEPS), trajectory(lambda p: make(_split(p)[0]), STEPS)
    first = sum(p.numel() for p in _split(Probe().model().parameters())[0])
    if not np.array_equal(both[0, first:], both[-1, first:]):
        return False, "a group at lr 0 moved"
    difference = gap(both, alone)
    why = f"the first group trains differently beside a second one (by {difference:.3g})"
    return difference == 0, "" if difference == 0 else why


def _lr_changes(make: Make) -> tuple[bool, str]:
    half = STEPS // 2

    def stop(step: int, optimizer) -> None:
        for group in optimizer.param_groups:
            if "lr" not in group:
                raise KeyError("lr")
            if step == half:
                group["lr"] = 0.0

    try:
        stopped = trajectory(make, STEPS, before_step=stop)
    except KeyError:
        return False, "its param groups hold no 'lr'"
    whole = trajectory(make, STEPS)
    if not np.array_equal(stopped[: half + 1], whole[: half + 1]):
        return False, "the run differs before the change"
    if not np.array_equal(stopped[half], stopped[-1]):
        return False, f"the parameters moved by {gap(stopped[half], stopped[-1]):.3g} at lr 0"
    return True, ""


def _dtypes(make: Make) -> tuple[bool, str]:
    rows = {}
    for dtype in (torch.float32, torch.float64):
        probe = Probe(dtype)
        model = probe.model()
        optimizer, steps = make(model.parameters()), [flat(model)]
        for step in range(STEPS):  # a step at a time: a changed dtype would break the next
            steps += train(probe, model, optimizer, range(step, step + 1))
            changed = sorted({str(p.dtype) for p in model.parameters() if p.dtype != dtype})
            if changed:
                return False, f"{dtype} parameters became {', '.join(changed)}"
        rows[dtype] = np.stack(steps)
    difference = gap(rows[torch.float32], rows[torch.float64])
    moved = movement(rows[torch.float64])
    holds = difference <= DTYPE_TOLERANCE * moved
    return holds, "" if holds else f"they differ by {difference:.3g} (movement {moved:.3g})"


def _zero_grad(make: Make) -> tuple[bool, str]:
    to_none, to_zero = trajectory(make, STEPS), trajectory(make, STEPS, set_to_none=False)
    difference = gap(to_none, to_zero)
    return difference == 0, "" if difference == 0 else f"they differ by {difference:.3g}"


def _closure(make: Make) -> tuple[bool, str]:
    probe = Probe()
    model = probe.model()
    optimizer = make(model.parameters())
    calls, rows, returned = [0], [flat(model)], []
    try:
        for step in range(STEPS):
            def closure(step=step):
                calls[0] += 1
                optimizer.zero_grad()
                loss = probe.loss(model, step)
                loss.backward()
                return loss

            returned.append(optimizer.step(closure))
            rows.append(flat(model))
    except Exception as error:  # refused: fine, as long as it says so
        return True, f"refused: {type(error).__name__}: {str(error).strip()[:120]}"
    if calls[0] == 0:
        return False, "step(closure) ignores the closure"
    if any(not isinstance(r, torch.Tensor) for r in returned):
        return False, "step(closure) does not return the closure's loss"
    difference = gap(np.stack(rows), trajectory(make, STEPS))
    return difference == 0, "supported" if difference == 0 else (
        f"the trajectory differs from step() after backward() by {difference:.3g}")  # fmt: skip


PROPERTIES: tuple[tuple[str, str, Callable[[Make], tuple[bool, str]]], ...] = (
    ("reproducible", "the same seed gives the identical trajectory", _reproducible),
    ("state_dict", "saving and loading state_dict mid-run continues the identical trajectory",
     _state_dict),
    ("param_groups", "each group uses its own lr; other groups train as they would alone",
     _param_groups),
    ("lr_changes", "an lr set in the param groups between steps is honoured", _lr_changes),
    ("dtypes", "float32 and float64 train, keep their dtype and agree", _dtypes),
    ("zero_grad", "zero_grad with and without set_to_none give the same trajectory", _zero_grad),
    ("closure", "step(closure) is supported or refused with an exception", _closure),
)  # fmt: skip


def check_optimizer(
    optimizer: str, hparams: Mapping[str, Any] | None = None, inclusions: Sequence = ()
) -> list[PropertyResult]:
    """Every property of the module docstring for ``optimizer`` (a name or an import path) at
    the constructor arguments ``hparams`` (:func:`probe_arguments`), then each declared
    inclusion of ``inclusions``. An exception the optimizer raises fails the property."""
    arguments = probe_arguments(optimizer, hparams)

    def make(params):
        return create(optimizer, params, **arguments)

    results = []
    for name, claim, judge in PROPERTIES:
        try:
            holds, detail = judge(make)
        except Exception as error:  # the optimizer's own failure: this property fails
            holds, detail = False, f"raised {type(error).__name__}: {str(error).strip()[:160]}"
        results.append(PropertyResult(name, claim, holds, detail))
    for inclusion in inclusions:
        result = check_inclusion(inclusion)
        how = result.describe().split(": ", 2)[-1]
        results.append(PropertyResult(f"inclusion {inclusion.pair}", f"{inclusion.note} holds",
                                      result.holds, how))  # fmt: skip
    return results
