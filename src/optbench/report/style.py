"""The fixed order and colour of every optimizer and the order of protocols, shared by every
figure and table of a report (no matplotlib here, so the tables need none).

The six optimizers of the paper come in Table 1's order, along the inclusion chains
(sgd, momentum, nesterov, rmsprop, adam, nadam), each with its own colour; any other optimizer
follows, alphabetically, with a colour taken from its name's CRC-32, so it is the same in every
report. Protocols run from the narrowest tuning to the fullest: lr-grid, lr-only, lr-schedule,
full, then any other protocol alphabetically.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from optbench.tuning.protocols import PRESET_ORDER

OPTIMIZER_ORDER: tuple[str, ...] = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam")

OPTIMIZER_COLORS: dict[str, str] = {
    "sgd": "#555555",
    "momentum": "#1f77b4",
    "nesterov": "#17becf",
    "rmsprop": "#2ca02c",
    "adam": "#d62728",
    "nadam": "#ff7f0e",
}

#: Colours for optimizers outside the paper's six (picked by the name's CRC-32).
EXTRA_COLORS: tuple[str, ...] = (
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#7b4173",
    "#393b79",
    "#637939",
    "#843c39",
)

#: Colour of diverged trials and violated inclusions.
WARNING_COLOR = "#c00000"


def optimizer_color(name: str) -> str:
    """The colour of optimizer ``name``, the same in every figure and report."""
    if name in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[name]
    return EXTRA_COLORS[zlib.crc32(name.encode()) % len(EXTRA_COLORS)]


def _order(names: Iterable[str], known: tuple[str, ...]) -> list[str]:
    unique = list(dict.fromkeys(names))
    return sorted(unique, key=lambda n: (known.index(n), "") if n in known else (len(known), n))


def order_optimizers(names: Iterable[str]) -> list[str]:
    """``names`` in the fixed optimizer order (Table 1 first, others alphabetically)."""
    return _order(names, OPTIMIZER_ORDER)


def order_protocols(names: Iterable[str]) -> list[str]:
    """``names`` from the narrowest protocol to the fullest (presets first)."""
    return _order(names, PRESET_ORDER)
