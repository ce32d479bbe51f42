"""What defines a tuning protocol: scales, search spaces and their checks, samplers, protocols
and their presets, and inclusion reachability.

>>> from optbench.tuning import load_protocol
>>> space = load_protocol("full").space("adam", base_lr=0.05)   # doctest: +SKIP
>>> point = make_sampler("quasirandom", space, seed=0)(3)        # doctest: +SKIP
"""

from optbench.tuning.protocols import (
    Protocol,
    describe_protocols,
    list_protocols,
    load_preset,
    load_protocol,
)
from optbench.tuning.reachability import InclusionCheck, check_inclusions
from optbench.tuning.samplers import make as make_sampler
from optbench.tuning.scales import Hyperparameter
from optbench.tuning.spaces import Point, SearchSpace

__all__ = [
    "Hyperparameter",
    "InclusionCheck",
    "Point",
    "Protocol",
    "SearchSpace",
    "check_inclusions",
    "describe_protocols",
    "list_protocols",
    "load_preset",
    "load_protocol",
    "make_sampler",
]
