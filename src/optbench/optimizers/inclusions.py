"""The inclusion relationships of Choi et al. (2019), Section 3, as data and as maps.

``special ⊆ general`` means some setting of the general optimizer reproduces the special one,
possibly in a limit. The chains are

    SGD ⊆ MOMENTUM ⊆ RMSPROP      SGD ⊆ MOMENTUM ⊆ ADAM      SGD ⊆ NESTEROV ⊆ NADAM

and nothing else is claimed: MOMENTUM and NESTEROV do not contain each other, nor do RMSPROP
and ADAM. Each pair carries a map from the special optimizer's hyperparameters to the general
one's. A map returns the general optimizer's hyperparameters and its learning rate at each step,
because ADAM imitates MOMENTUM only when its bias factor is cancelled through the learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from optbench.errors import InvalidParameterError
from optbench.optimizers.functional import bias_factor


@dataclass(frozen=True)
class MappedHyperparameters:
    """The general optimizer's setting that imitates the special one.

    ``hparams`` are its constructor's hyperparameters (``lr`` for step 0 at the special
    optimizer's base rate). ``lr_at(step, special_lr)`` is its learning rate at the 0-based
    ``step`` when the special optimizer's scheduled rate there is ``special_lr``.
    """

    hparams: dict[str, float]
    lr_at: Callable[[int, float], float]


@dataclass(frozen=True)
class Inclusion:
    """``special ⊆ general``; ``exact`` is False where the imitation holds only as eps -> inf
    (then the gap shrinks like sqrt(v) / eps). ``note`` says when and how the map holds."""

    special: str
    general: str
    exact: bool
    note: str
    map: Callable[..., MappedHyperparameters] = field(repr=False)


def _scaled_lr(factor: float) -> Callable[[int, float], float]:
    return lambda step, special_lr: special_lr * factor


def sgd_to_heavy_ball(lr: float) -> MappedHyperparameters:
    """SGD(eta) = MOMENTUM(eta, gamma=0) = NESTEROV(eta, gamma=0), exactly."""
    return MappedHyperparameters({"lr": lr, "momentum": 0.0}, _scaled_lr(1.0))


def momentum_to_rmsprop(lr: float, momentum: float, eps: float = 1.0) -> MappedHyperparameters:
    """MOMENTUM(eta, gamma) = RMSPROP(eta * sqrt(1 + eps), gamma, rho=1, eps).

    rho = 1 keeps v at its initial 1, so RMSPROP's accumulator is m = gamma m + eta g. Exact
    with a constant learning rate; under a decaying schedule the two differ slightly, because
    RMSPROP applies eta when it accumulates and MOMENTUM when it steps.
    """
    factor = math.sqrt(1.0 + eps)
    return MappedHyperparameters(
        {"lr": lr * factor, "momentum": momentum, "rho": 1.0, "eps": eps}, _scaled_lr(factor)
    )


def heavy_ball_to_adam(
    lr: float, momentum: float, eps: float, beta2: float = 0.999
) -> MappedHyperparameters:
    """MOMENTUM(eta, gamma) = lim eps->inf ADAM(alpha_t, beta1=gamma, beta2, eps) with

        alpha_t = eps * eta_t / ((1 - beta1) * b_t),
        b_t     = sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1)),

    and NESTEROV(eta, gamma) the same limit of NADAM. ADAM's step is then
    eta_t * m / ((1 - beta1) (1 + sqrt(v) / eps)), and m / (1 - beta1) is MOMENTUM's v:
    the gap shrinks like sqrt(v) / eps. ``beta2`` is free.
    """

    def lr_at(step: int, special_lr: float) -> float:
        return eps * special_lr / ((1.0 - momentum) * bias_factor(step, momentum, beta2))

    return MappedHyperparameters(
        {"lr": lr_at(0, lr), "beta1": momentum, "beta2": beta2, "eps": eps}, lr_at
    )


INCLUSIONS: tuple[Inclusion, ...] = (
    Inclusion("sgd", "momentum", True, "momentum = 0", sgd_to_heavy_ball),
    Inclusion("sgd", "nesterov", True, "momentum = 0", sgd_to_heavy_ball),
    Inclusion(
        "momentum",
        "rmsprop",
        True,
        "rho = 1, lr = eta * sqrt(1 + eps); exact with a constant learning rate",
        momentum_to_rmsprop,
    ),
    Inclusion(
        "momentum",
        "adam",
        False,
        "beta1 = momentum, lr = eps * eta / ((1 - beta1) b_t), eps -> inf",
        heavy_ball_to_adam,
    ),
    Inclusion(
        "nesterov",
        "nadam",
        False,
        "beta1 = momentum, lr = eps * eta / ((1 - beta1) b_t), eps -> inf",
        heavy_ball_to_adam,
    ),
)


def inclusion(special: str, general: str) -> Inclusion:
    """The inclusion ``special ⊆ general``; raises if the method claims none."""
    for candidate in INCLUSIONS:
        if (candidate.special, candidate.general) == (special, general):
            return candidate
    pairs = ", ".join(f"{i.special} ⊆ {i.general}" for i in INCLUSIONS)
    raise InvalidParameterError("(special, general)", (special, general), f"one of {pairs}")
