"""What a workload's target is a value of, and how it is written.

A target is a value of one validation metric that steps-to-target counts down to: an error
rate (``validation_error``, in (0, 1), written in percent) or a cross entropy
(``validation_loss``, positive, in nats per prediction: the paper's target for its
Transformer language model). The runner, the report and the command line all read a target
through its :class:`TargetMetric`, so that a loss is never shown or compared as an error rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optbench.errors import InvalidParameterError, unknown_name


@dataclass(frozen=True)
class TargetMetric:
    """A metric a target may be a value of: the runner's ``name`` for it, the ``label`` people
    read, whether it is a rate (written in percent) and the ``unit`` of a value that is not."""

    name: str
    label: str
    rate: bool
    unit: str = ""

    def check(self, target: float | None) -> float | None:
        """``target`` if it is None or a possible value of this metric."""
        if target is None:
            return None
        if self.rate and not 0 < target < 1:
            raise InvalidParameterError("target", target, "an error rate in (0, 1) or None")
        if not self.rate and not 0 < target < math.inf:
            raise InvalidParameterError("target", target, "a positive loss or None")
        return target

    def value(self, target: float) -> str:
        """``target`` as people read it: ``6.6 %`` for a rate, ``3.45`` for a loss."""
        return f"{100 * target:.3g} %" if self.rate else f"{target:.3g}"

    def describe(self, target: float | None) -> str:
        """``6.6 % validation error``, ``3.45 validation loss (nats)``, or ``none``."""
        if target is None:
            return "none"
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.value(target)} {self.label}{unit}"


TARGET_METRICS: dict[str, TargetMetric] = {
    "validation_error": TargetMetric("validation_error", "validation error", rate=True),
    "validation_loss": TargetMetric("validation_loss", "validation loss", rate=False, unit="nats"),
}
#: What a target is a value of when nothing says otherwise (studies stored before targets
#: could be losses, workloads that do not say).
DEFAULT_TARGET_METRIC = "validation_error"


def target_metric(name: object) -> TargetMetric:
    """The :class:`TargetMetric` called ``name``; an unknown name raises, listing the known."""
    if name not in TARGET_METRICS:
        raise unknown_name("target_metric", name, TARGET_METRICS)
    return TARGET_METRICS[name]
