"""The report's findings in a few lines for a terminal (``optbench report`` prints them): per
workload and protocol the ranking by validation error with its bands, each inclusion verdict on
one line, then what changed between the protocols. Plain text, no line over 80 characters, the
same in a terminal and when piped; the numbers are those of the tables.
"""

from __future__ import annotations

import textwrap

from optbench.report import words
from optbench.report.results import GroupResult, WorkloadResult

WIDTH = 80


def ranking_lines(result: GroupResult) -> list[str]:
    """One line per optimizer, best first: rank, name, the best-of-N validation error's median
    and [5 %, 95 %] band, and the N it rests on."""
    criterion = result.criteria["validation_error"]
    lines = []
    for s in criterion.ranking.standings:
        lines.append(
            f"  {s.rank}. {s.name:<10} {words.band(s.band, 'validation_error'):<30} N={s.n_trials}"
        )
    return lines


def verdict_lines(result: GroupResult) -> list[str]:
    """One line per inclusion: its verdict by validation error, and the other criteria's
    verdicts where they differ."""
    by_criterion = {name: c.verdicts for name, c in result.criteria.items()}
    lines = []
    for v in by_criterion.get("validation_error", ()):
        others = [
            f"{w.verdict} by {name.replace('_', ' ')}"
            for name, verdicts in by_criterion.items()
            if name != "validation_error"
            for w in verdicts
            if (w.special, w.general) == (v.special, v.general) and w.verdict != v.verdict
        ]
        line = f"    {v.special} ⊆ {v.general}: {v.verdict}"
        if others:
            line += f" ({'; '.join(others)})"
        lines.append(line)
    return lines


def digest_lines(results: dict[str, WorkloadResult]) -> list[str]:
    """The digest of every workload (module docstring)."""
    lines: list[str] = []
    for workload, result in results.items():
        for protocol, group in result.groups.items():
            partial = " (partial)" if group.group.partial else ""
            lines.append(f"{workload} under {protocol}{partial}:")
            lines.append("  best validation error of N trials, median [5%, 95%] by bootstrap")
            lines += ranking_lines(group) + ["  inclusions (validation error):"]
            lines += verdict_lines(group) or ["    none: fewer than two of a chain compared"]
        for comparison in result.comparisons:
            head = f"{comparison.first_protocol} → {comparison.second_protocol}"
            changes = [change.describe() for change in comparison.changes]
            lines.append(f"{workload}, {head}: " + ("; ".join(changes) or "same order"))
    return [_fit(line) for line in lines]


def _fit(line: str) -> str:
    """``line`` folded at word boundaries into lines of at most :data:`WIDTH` characters, the
    continuation lines indented 4 more than the first."""
    if len(line) <= WIDTH:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(
        line, WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
