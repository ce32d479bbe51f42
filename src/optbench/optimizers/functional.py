"""The six update rules of Table 1 of Choi et al. (2019), each written once over lists of tensors.

Every function updates ``params`` and its state buffers in place with ``torch._foreach_*`` ops,
the way ``torch.optim``'s foreach paths do. All operations are element-wise; ``g`` is the
mini-batch gradient, ``t = 0, 1, 2, ...`` the step, and ``lr`` the learning rate after the
schedule (eta_t or alpha_t in the paper). These are the TensorFlow-1 forms the paper states, not
the ``torch.optim`` ones (see docs/optimizers.md for where the two differ).

Reference: D. Choi, C. J. Shallue, Z. Nado, J. Lee, C. J. Maddison, G. E. Dahl,
"On Empirical Comparisons of Optimizers for Deep Learning", arXiv:1910.05446, Table 1.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def sgd(params: list[Tensor], grads: list[Tensor], *, lr: float) -> None:
    """SGD(eta):  theta <- theta - eta_t * g."""
    torch._foreach_add_(params, grads, alpha=-lr)


def momentum(
    params: list[Tensor],
    grads: list[Tensor],
    velocities: list[Tensor],
    *,
    lr: float,
    momentum: float,
) -> None:
    """MOMENTUM(eta, gamma), heavy ball, v_0 = 0:

        v     <- gamma * v + g
        theta <- theta - eta_t * v

    ``momentum`` is gamma; ``velocities`` holds v.
    """
    torch._foreach_mul_(velocities, momentum)
    torch._foreach_add_(velocities, grads)
    torch._foreach_add_(params, velocities, alpha=-lr)


def nesterov(
    params: list[Tensor],
    grads: list[Tensor],
    velocities: list[Tensor],
    *,
    lr: float,
    momentum: float,
) -> None:
    """NESTEROV(eta, gamma), v_0 = 0:

        v     <- gamma * v + g
        theta <- theta - eta_t * (gamma * v + g)

    ``momentum`` is gamma; ``velocities`` holds v.
    """
    torch._foreach_mul_(velocities, momentum)
    torch._foreach_add_(velocities, grads)
    torch._foreach_add_(params, grads, alpha=-lr)  # two in-place steps: no temporary
    torch._foreach_add_(params, velocities, alpha=-lr * momentum)


def rmsprop(
    params: list[Tensor],
    grads: list[Tensor],
    mean_squares: list[Tensor],
    moments: list[Tensor],
    *,
    lr: float,
    momentum: float,
    rho: float,
    eps: float,
) -> None:
    """RMSPROP(eta, gamma, rho, epsilon), v_0 = 1 (not 0), m_0 = 0:

        v     <- rho * v + (1 - rho) * g^2
        m     <- gamma * m + eta_t * g / sqrt(v + epsilon)
        theta <- theta - m

    epsilon sits inside the square root and eta_t inside the accumulator m, so a learning rate
    changed by a schedule acts on new steps only. ``momentum`` is gamma, ``rho`` is rho;
    ``mean_squares`` holds v and ``moments`` holds m.
    """
    torch._foreach_mul_(mean_squares, rho)
    torch._foreach_addcmul_(mean_squares, grads, grads, value=1.0 - rho)
    root = torch._foreach_add(mean_squares, eps)
    torch._foreach_sqrt_(root)
    torch._foreach_mul_(moments, momentum)
    torch._foreach_addcdiv_(moments, grads, root, value=lr)
    torch._foreach_sub_(params, moments)


def bias_factor(step: int, beta1: float, beta2: float) -> float:
    """b_t = sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1)) for the 0-based step t."""
    return math.sqrt(1.0 - beta2 ** (step + 1)) / (1.0 - beta1 ** (step + 1))


def adam(
    params: list[Tensor],
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    steps: list[int],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """ADAM(alpha, beta1, beta2, epsilon), m_0 = v_0 = 0:

        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g^2
        b     <- sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1))
        theta <- theta - alpha_t * b * m / (sqrt(v) + epsilon)

    epsilon is added to the *uncorrected* root sqrt(v); ``torch.optim.Adam`` adds it to the
    bias-corrected one. ``steps`` holds each parameter's 0-based t for this update; ``lr`` is
    alpha_t. The m update is computed as the equal lerp m + (1 - beta1) (g - m).
    """
    denominators = _update_moments(grads, first_moments, second_moments, beta1, beta2, eps)
    factors = [lr * bias_factor(t, beta1, beta2) for t in steps]
    torch._foreach_addcdiv_(params, first_moments, denominators, [-f for f in factors])


def nadam(
    params: list[Tensor],
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    steps: list[int],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """NADAM(alpha, beta1, beta2, epsilon), m_0 = v_0 = 0: ADAM with a Nesterov numerator,

        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g^2
        b     <- sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1))
        theta <- theta - alpha_t * b * (beta1 * m + (1 - beta1) * g) / (sqrt(v) + epsilon)

    with the m already updated in the numerator, and no momentum-decay schedule (unlike
    ``torch.optim.NAdam``). The last line is applied as two in-place steps over the same
    denominator, beta1 * m / d and then (1 - beta1) * g / d, which saves a temporary.
    """
    denominators = _update_moments(grads, first_moments, second_moments, beta1, beta2, eps)
    factors = [lr * bias_factor(t, beta1, beta2) for t in steps]
    torch._foreach_addcdiv_(params, first_moments, denominators, [-f * beta1 for f in factors])
    torch._foreach_addcdiv_(params, grads, denominators, [-f * (1.0 - beta1) for f in factors])


def _update_moments(
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    beta1: float,
    beta2: float,
    eps: float,
) -> list[Tensor]:
    """The m and v updates shared by ADAM and NADAM; returns sqrt(v) + epsilon."""
    torch._foreach_lerp_(first_moments, grads, 1.0 - beta1)
    torch._foreach_mul_(second_moments, beta2)
    torch._foreach_addcmul_(second_moments, grads, grads, value=1.0 - beta2)
    denominators = torch._foreach_sqrt(second_moments)
    torch._foreach_add_(denominators, eps)
    return denominators
