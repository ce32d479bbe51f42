"""Samplers: point ``i`` of a study as a pure function of (space hash, study seed, i).

Every sampler draws coordinates in the unit cube, one per searched dimension of the space;
:meth:`SearchSpace.decode` turns them into hyperparameters. Nothing depends on which points
were drawn before, so any number of workers on any machines draw the same, distinct points,
and a resumed study draws again the points it drew before.

- ``quasirandom`` (default): a scrambled Halton sequence (``scipy.stats.qmc.Halton``) whose
  scramble is seeded by (space hash, seed). Points are computed in blocks of
  :data:`BLOCK`, so point 10 000 costs one block, not 10 000 points.
- ``random``: independent uniform points, point i from its own seeded generator.
- ``grid``: the product of evenly spaced levels on every dimension (all values of a
  ``choice``), in row-major order, the first dimension slowest; its size is the number of
  trials, and each continuous axis gets ``size ** (1 / d)`` levels from low to high.

>>> sampler = make("quasirandom", space, seed=0)        # doctest: +SKIP
>>> sampler(37).hyperparameters                          # doctest: +SKIP
{'lr': 0.0123...}
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from optbench.errors import MAX_INT, InvalidParameterError, check_int
from optbench.registry import Registry
from optbench.tuning.spaces import Point, SearchSpace

BLOCK = 1024  # quasi-random points computed at once
_CACHED_BLOCKS = 8


def derive_key(kind: str, salt: str, seed: int) -> int:
    """A 128-bit integer key from the sampler kind, the space hash and the study seed."""
    check_int("seed", seed)
    digest = hashlib.sha256(f"optbench.sampler/1\n{kind}\n{salt}\n{seed}".encode()).digest()
    return int.from_bytes(digest[:16], "big")


def _check_index(i: int, size: int | None = None) -> None:
    check_int("index", i, 0, MAX_INT if size is None else size - 1)


class QuasiRandom:
    """Scrambled Halton points in ``dims`` dimensions; ``unit(i)`` is pure in (key, i)."""

    def __init__(self, dims: int, key: int) -> None:
        self.dims, self.key = dims, key
        self._engine = (
            qmc.Halton(dims, scramble=True, rng=np.random.default_rng(key)) if dims else None
        )
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()

    def _block(self, b: int) -> np.ndarray:
        if b not in self._blocks:
            # Halton point j is computed from j alone (van der Corput digits of j), so starting
            # the engine at j = b * BLOCK gives exactly the points a sequential draw would.
            self._engine.num_generated = b * BLOCK
            self._blocks[b] = self._engine.random(BLOCK)
            if len(self._blocks) > _CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        self._blocks.move_to_end(b)
        return self._blocks[b]

    def unit(self, i: int) -> tuple[float, ...]:
        """Point ``i`` in [0, 1) ** dims."""
        _check_index(i)
        if not self.dims:
            return ()
        block, row = divmod(int(i), BLOCK)
        return tuple(float(x) for x in self._block(block)[row])


class Random:
    """Uniform points; point ``i`` comes from a generator seeded with (key, i)."""

    def __init__(self, dims: int, key: int) -> None:
        self.dims, self.key = dims, key

    def unit(self, i: int) -> tuple[float, ...]:
        """Point ``i`` in [0, 1) ** dims."""
        _check_index(i)
        return tuple(float(x) for x in np.random.default_rng([self.key, int(i)]).random(self.dims))


class Grid:
    """A full grid; ``levels[k]`` is the number of values on axis k (None: continuous, to get
    an equal share of ``size``). Continuous levels sit at 0, 1/(n-1), ..., 1 (both bounds),
    choice levels at the middle of each value's cell."""

    def __init__(self, levels: list[int | None], size: int) -> None:
        check_int("size", size, 1)
        fixed = math.prod(n for n in levels if n is not None)  # Python ints: no overflow
        free = sum(n is None for n in levels)
        per_axis = round((size / fixed) ** (1 / free)) if free else 1
        if fixed * per_axis**free != size:
            raise InvalidParameterError(
                "size",
                size,
                f"a grid size of the form {fixed} x n^{free} for these {len(levels)} dimensions"
                f" (choices give {fixed} combinations)",
            )
        self.size = size
        self.levels = [n if n is not None else per_axis for n in levels]
        self.continuous = [n is None for n in levels]

    def __len__(self) -> int:
        return self.size

    def unit(self, i: int) -> tuple[float, ...]:
        """Point ``i`` of the grid in row-major order (the last axis fastest)."""
        _check_index(i, self.size)
        indices = np.unravel_index(int(i), self.levels)
        return tuple(
            (k / (n - 1) if n > 1 else 0.5) if continuous else (k + 0.5) / n
            for k, n, continuous in zip(indices, self.levels, self.continuous, strict=True)
        )


@dataclass(frozen=True)
class SpaceSampler:
    """A unit-cube sampler bound to a space: ``sampler(i)`` is the decoded point ``i``."""

    space: SearchSpace
    name: str
    seed: int
    engine: QuasiRandom | Random | Grid

    def unit(self, i: int) -> tuple[float, ...]:
        """The unit-cube coordinates of point ``i``."""
        return self.engine.unit(i)

    def __call__(self, i: int) -> Point:
        """Point ``i``: hyperparameters, schedule and the coordinates it came from."""
        return self.space.decode(self.engine.unit(i))


Engine = QuasiRandom | Random | Grid
#: Sampler name -> ``engine(space, key, size)`` drawing unit-cube points for ``space``.
SAMPLERS: Registry[Callable[[SearchSpace, int, int | None], Engine]] = Registry("sampler")
available = SAMPLERS.available


@SAMPLERS.register("quasirandom")
def _quasirandom(space: SearchSpace, key: int, size: int | None) -> QuasiRandom:
    return QuasiRandom(len(space.dimensions), key)


@SAMPLERS.register("random")
def _random(space: SearchSpace, key: int, size: int | None) -> Random:
    return Random(len(space.dimensions), key)


@SAMPLERS.register("grid")
def _grid(space: SearchSpace, key: int, size: int | None) -> Grid:
    if size is None:
        raise InvalidParameterError("size", size, "the number of grid points for 'grid'")
    levels = [len(h.values) if h.scale == "choice" else None for _, h in space.dimensions]
    return Grid(levels, size)


def make(name: str, space: SearchSpace, seed: int = 0, *, size: int | None = None) -> SpaceSampler:
    """The sampler ``name`` over ``space`` for a study with ``seed``; ``size`` (the number of
    trials) is required by ``grid`` and ignored by the others."""
    engine = SAMPLERS.get(name)(space, derive_key(name, space.hash, seed), size)
    return SpaceSampler(space, name, seed, engine)
