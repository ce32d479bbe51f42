"""Inclusion verdicts and protocol comparisons (Choi et al. 2019, Section 3; docs/method.md,
sections 8.6, 8.7 and 9).

If ``special ⊆ general`` (the general optimizer can imitate the special one), a search space
that reaches the imitating region makes the general optimizer no worse. With the best-of-k
bands [s_lo, s_hi] of the special optimizer and [g_lo, g_hi] of the general one (lower is
better), a pair's verdict is

- ``violated``   when g_lo > s_hi: the general optimizer is worse beyond both bands;
- ``consistent`` when g_lo <= s_lo and g_hi <= s_hi: the general band sits at or below the
  special band edge by edge (identical bands included);
- ``tie``        otherwise: the bands overlap and the general band reaches above the special
  band at one edge, so the data neither confirm nor refute the inclusion;
- ``no evidence`` when both bands are +inf from edge to edge: neither optimizer ever got
  there (steps to a target that no trial reached, or every trial diverged), which says
  nothing about the inclusion, although the identical bands would read as consistent.

A protocol comparison ranks the optimizers the two protocols share, within that shared set,
and names each rank change ("adam: 1st → 4th").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from optbench.analysis.curves import Band
from optbench.analysis.rankings import Ranking, beat_probability
from optbench.errors import InvalidParameterError

VERDICTS: tuple[str, ...] = ("consistent", "tie", "no evidence", "violated")


class InclusionPair(Protocol):
    """Anything naming an inclusion ``special ⊆ general``, like optbench's ``Inclusion``."""

    special: str
    general: str


def verdict(special: Band, general: Band) -> str:
    """The verdict on ``special ⊆ general`` from the two bands (module docstring)."""
    if math.isinf(special.lower) and math.isinf(general.lower):
        return "no evidence"
    if general.lower > special.upper:
        return "violated"
    if general.lower <= special.lower and general.upper <= special.upper:
        return "consistent"
    return "tie"


@dataclass(frozen=True)
class InclusionVerdict:
    """The verdict on ``special ⊆ general`` with the bands it rests on and P(general beats
    special) at the ranking's k."""

    special: str
    general: str
    verdict: str
    special_band: Band
    general_band: Band
    p_general_beats: float

    def describe(self) -> str:
        g, s = self.general_band, self.special_band
        return (
            f"{self.special} ⊆ {self.general}: {self.verdict} "
            f"({self.general} {g.median:.4g} [{g.lower:.4g}, {g.upper:.4g}] vs "
            f"{self.special} {s.median:.4g} [{s.lower:.4g}, {s.upper:.4g}]; "
            f"P({self.general} beats {self.special}) = {self.p_general_beats:.2f})"
        )


def inclusion_verdicts(
    ranking: Ranking, inclusions: Sequence[InclusionPair] | None = None
) -> tuple[InclusionVerdict, ...]:
    """A verdict for each inclusion whose two optimizers are both ranked; ``inclusions``
    defaults to ``optbench.optimizers.inclusions.INCLUSIONS`` (imported here, on demand, so
    that the analysis does not load torch unless it needs the paper's pairs)."""
    if inclusions is None:
        from optbench.optimizers.inclusions import INCLUSIONS

        inclusions = INCLUSIONS
    found = []
    for pair in inclusions:
        if pair.special in ranking.names and pair.general in ranking.names:
            special, general = ranking[pair.special], ranking[pair.general]
            found.append(
                InclusionVerdict(
                    pair.special,
                    pair.general,
                    verdict(special.band, general.band),
                    special.band,
                    general.band,
                    beat_probability(ranking.samples[pair.general], ranking.samples[pair.special]),
                )
            )
    return tuple(found)


def ordinal(rank: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


@dataclass(frozen=True)
class RankChange:
    """``name`` ranks ``first`` under the first protocol and ``second`` under the second."""

    name: str
    first: int
    second: int

    def describe(self) -> str:
        return f"{self.name}: {ordinal(self.first)} → {ordinal(self.second)}"


@dataclass(frozen=True, eq=False)
class ProtocolComparison:
    """The same optimizers under two protocols: both rankings, every shared optimizer's ranks
    (in the second protocol's order) and each protocol's inclusion verdicts."""

    first_protocol: str
    second_protocol: str
    first: Ranking
    second: Ranking
    ranks: tuple[RankChange, ...]
    first_verdicts: tuple[InclusionVerdict, ...]
    second_verdicts: tuple[InclusionVerdict, ...]

    @property
    def changes(self) -> tuple[RankChange, ...]:
        """Only the optimizers whose rank differs."""
        return tuple(change for change in self.ranks if change.first != change.second)

    def describe(self) -> list[str]:
        """One line per rank change, or one line saying the order is the same."""
        lines = [change.describe() for change in self.changes]
        return lines or [f"same order under {self.first_protocol} and {self.second_protocol}"]


def compare_protocols(
    first: Ranking,
    second: Ranking,
    first_protocol: str = "first",
    second_protocol: str = "second",
    inclusions: Sequence[InclusionPair] | None = None,
) -> ProtocolComparison:
    """Compare two rankings of the same optimizers; ranks are within the shared optimizers."""
    shared = [name for name in second.names if name in first.names]
    if not shared:
        raise InvalidParameterError(
            "second", second.names, f"a ranking sharing an optimizer with {first.names}"
        )
    first_order = [name for name in first.names if name in shared]
    ranks = tuple(
        RankChange(name, first_order.index(name) + 1, position)
        for position, name in enumerate(shared, start=1)
    )
    return ProtocolComparison(
        first_protocol,
        second_protocol,
        first,
        second,
        ranks,
        inclusion_verdicts(first, inclusions),
        inclusion_verdicts(second, inclusions),
    )
