"""The report's findings in words, shared by ``summary.md`` and the HTML page: numbers as
people read them, each inclusion verdict as a sentence, protocol rank changes, search-space
warnings and the partial-study notice.
"""

from __future__ import annotations

import math

from optbench.analysis import VERDICTS, Band, InclusionVerdict, ProtocolComparison
from optbench.report.groups import Workload
from optbench.report.results import GroupResult

PERCENT_CRITERIA = ("validation_error", "test_error")


def number(value: float, criterion: str) -> str:
    """``value`` for reading: errors in percent, steps whole, losses to 4 digits, ∞ for +inf."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞ (diverged)" if criterion != "steps_to_target" else "∞ (never)"
    if criterion in PERCENT_CRITERIA:
        return f"{100 * value:.2f}%"
    if criterion == "steps_to_target":
        return f"{value:.0f}"
    return f"{value:.4g}"


def band(b: Band, criterion: str) -> str:
    """``median [lower, upper]``."""
    lower, upper = (number(v, criterion).split(" ")[0] for v in (b.lower, b.upper))
    return f"{number(b.median, criterion)} [{lower}, {upper}]"


def verdict_sentence(v: InclusionVerdict, label: str) -> str:
    """One inclusion verdict as a sentence about ``label`` (e.g. "validation error")."""
    p = f"P({v.general} beats {v.special}) = {v.p_general_beats:.2f}"
    if v.verdict == "consistent":
        return (
            f"{v.special} ⊆ {v.general}: consistent. {v.general} is at least as good as "
            f"{v.special} in {label}, as the inclusion predicts ({p})."
        )
    if v.verdict == "no evidence":
        return (
            f"{v.special} ⊆ {v.general}: no evidence. Neither {v.general} nor {v.special} got "
            f"there in any resample ({label} is +inf for both), so the data say nothing about "
            "the inclusion."
        )
    if v.verdict == "tie":
        return (
            f"{v.special} ⊆ {v.general}: tie. The bands of {v.general} and {v.special} overlap "
            f"in {label}, so the data neither confirm nor refute the inclusion ({p})."
        )
    return (
        f"{v.special} ⊆ {v.general}: VIOLATED. {v.general} is worse than {v.special} in "
        f"{label} beyond both bands, although it can imitate {v.special}: its search space or "
        f"budget did not let it reach that region ({p})."
    )


def verdict_matrix(result: GroupResult) -> tuple[list[str], list[list[str]]]:
    """The inclusion verdicts of a group: one row per inclusion, one column per criterion."""
    criteria = [c for c in result.criteria.values() if c.verdicts]
    pairs = list(dict.fromkeys((v.special, v.general) for c in criteria for v in c.verdicts))
    header = ["inclusion", *(c.label for c in criteria)]
    rows = []
    for special, general in pairs:
        cells = [f"{special} ⊆ {general}"]
        for c in criteria:
            found = [v.verdict for v in c.verdicts if (v.special, v.general) == (special, general)]
            cells.append(found[0] if found else "–")
        rows.append(cells)
    return header, rows


def verdict_sentences(result: GroupResult) -> list[tuple[str, str]]:
    """(verdict, sentence): each verdict by validation error in words, then, per inclusion,
    the other criteria whose verdict differs from it (the matrix has them all)."""
    if "validation_error" not in result.criteria:
        return []
    found = []
    for v in result.criteria["validation_error"].verdicts:
        found.append((v.verdict, verdict_sentence(v, "validation error")))
        others = [
            (w.verdict, c.label)
            for name, c in result.criteria.items()
            if name != "validation_error"
            for w in c.verdicts
            if (w.special, w.general) == (v.special, v.general) and w.verdict != v.verdict
        ]
        if others:
            listed = "; ".join(f"{verdict} by {label}" for verdict, label in others)
            worst = max((o[0] for o in others), key=VERDICTS.index)
            found.append((worst, f"{v.special} ⊆ {v.general} by the other criteria: {listed}."))
    return found


def comparison_lines(comparison: ProtocolComparison) -> list[str]:
    """The rank changes between two protocols, and the verdicts that differ."""
    head = f"{comparison.first_protocol} → {comparison.second_protocol}"
    lines = [f"{head}: {line}" for line in comparison.describe()]
    before = {(v.special, v.general): v.verdict for v in comparison.first_verdicts}
    for v in comparison.second_verdicts:
        old = before.get((v.special, v.general))
        if old is not None and old != v.verdict:
            lines.append(f"{head}: {v.special} ⊆ {v.general} goes from {old} to {v.verdict}")
    return lines


def boundary_lines(result: GroupResult) -> list[str]:
    """One line per hyperparameter whose best point sits within 5 % of a bound."""
    lines = []
    for name, checks in result.boundary.items():
        for c in checks:
            if c.flagged:
                side = "lower" if c.near_lower else "upper"
                share = c.top_near_lower if c.near_lower else c.top_near_upper
                lines.append(
                    f"{name}: the best point's {c.name} is at the {side} bound (unit "
                    f"coordinate {c.best:.3f}; {100 * share:.0f}% of the best {c.n_top} "
                    f"points there too): consider widening the space."
                )
    return lines


def status_line(result: GroupResult) -> str:
    """Points, diverged, failed and unfinished trials of a group's studies."""
    studies = result.group.studies.values()
    points = sum(s.n_points for s in studies)
    diverged = sum(int(s.diverged.sum()) for s in studies)
    failed = sum(s.failed for s in studies)
    waiting = sum(s.counts.get("pending", 0) + s.counts.get("running", 0) for s in studies)
    line = f"{points} points analysed ({diverged} diverged), {failed} failed trials left out"
    return line + (f", {waiting} trials still pending or running" if waiting else "")


def partial_notice(workloads: dict[str, Workload]) -> str | None:
    """The notice for a report made while trials are still pending or running."""
    partial = [name for name, w in workloads.items() if w.partial]
    if not partial:
        return None
    return (
        f"Partial report: trials are still pending or running ({', '.join(partial)}). "
        "Every number below uses the trials finished so far and will change."
    )
