"""The six update rules of Table 1 of Choi et al. (2019), a registry, and their inclusions.

>>> from optbench import optimizers
>>> optimizers.available()
['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'nadam']
>>> opt = optimizers.create("adam", model.parameters(), lr=1e-3, eps=1.0)  # doctest: +SKIP
"""

from optbench.optimizers import inclusions
from optbench.optimizers.registry import (
    available,
    bounds,
    constructor_parameters,
    create,
    display_name,
    get,
    hyperparameters,
    register,
    resolve,
    unregister,
)
from optbench.optimizers.rules import SGD, Adam, Momentum, NAdam, Nesterov, RMSProp

for _name, _class in [
    ("sgd", SGD),
    ("momentum", Momentum),
    ("nesterov", Nesterov),
    ("rmsprop", RMSProp),
    ("adam", Adam),
    ("nadam", NAdam),
]:
    register(_name, _class)

__all__ = [
    "SGD",
    "Adam",
    "Momentum",
    "NAdam",
    "Nesterov",
    "RMSProp",
    "available",
    "bounds",
    "constructor_parameters",
    "create",
    "display_name",
    "get",
    "hyperparameters",
    "inclusions",
    "register",
    "resolve",
    "unregister",
]
