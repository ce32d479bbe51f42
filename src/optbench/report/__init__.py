"""The report of a study store: figures, a self-contained HTML page, Markdown and CSV tables.

>>> from optbench.store import Store
>>> from optbench.report import build_report
>>> report = build_report(Store("optbench.db"), "report")   # doctest: +SKIP
>>> report.index, report.partial                             # doctest: +SKIP
(PosixPath('report/index.html'), False)

``optbench report --db optbench.db --out report`` does the same from the command line.
``docs/analysis.md`` ("Figures and report") explains every figure and table. The names below
load on first use, so that the command line does not import matplotlib to parse arguments.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Report", "all_tables", "build_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from optbench.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'optbench.report' has no attribute {name!r}")
