"""Options several commands share, defined once and added as argparse parents."""

from __future__ import annotations

import argparse
import math

from optbench.store import DEFAULT_DATABASE


def database_option() -> argparse.ArgumentParser:
    """``--db``: the study database every store command reads or writes."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", default=DEFAULT_DATABASE, help="SQLite file or database URL (default: %(default)s)"
    )
    return parent


def integer(text: str) -> int | str:
    """The argparse type of an integer flag: ``text`` as an int when it spells one, else
    ``text`` unchanged, for the check of the flag's field to refuse in one line with the field's
    name and bounds (argparse would print its usage and the value whole, of any length)."""
    try:
        return int(text)
    except ValueError:  # not an integer, or more digits than Python converts
        return text


def number(text: str) -> float | str:
    """The argparse type of a number flag: ``text`` as a float when it spells a finite one,
    else ``text`` unchanged, for the field's check to refuse in one line (as :func:`integer`)."""
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text
