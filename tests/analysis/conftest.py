"""Shared study generators for the analysis tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def _study_with_ties(
    seed: int, n: int, levels: int = 5, unreached: int = 0, diverged: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A study of ``n`` trials whose selection metric takes only ``levels`` values (so ties
    are many), with ``unreached`` trials at +inf in ``select`` only (a target never reached:
    the reported final error stays finite) and ``diverged`` trials at +inf in both."""
    rng = np.random.default_rng(seed)
    select = rng.integers(0, levels, n).astype(np.float64) / levels
    report = select + rng.normal(0.0, 0.05, n) + 0.2
    chosen = rng.permutation(n)
    select[chosen[:unreached]] = np.inf
    select[chosen[unreached : unreached + diverged]] = np.inf
    report[chosen[unreached : unreached + diverged]] = np.inf
    return select, report


@pytest.fixture
def study_with_ties() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    return _study_with_ties
