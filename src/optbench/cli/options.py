"""Options several commands share, defined once and added as argparse parents."""

from __future__ import annotations

import argparse

from optbench.store import DEFAULT_DATABASE


def database_option() -> argparse.ArgumentParser:
    """``--db``: the study database every store command reads or writes."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", default=DEFAULT_DATABASE, help="SQLite file or database URL (default: %(default)s)"
    )
    return parent
