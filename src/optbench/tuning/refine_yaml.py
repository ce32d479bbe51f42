"""The proposal as protocol YAML with a comment above every range giving its reason.

PyYAML writes no comments, so the text is written here, in the form of the shipped presets:
``{scale: log, low: 0.001, high: 0.1}`` per range, a bare value when fixed. Every float is
written as Python's ``repr``, which :mod:`optbench.yamlio` reads back to the same float, so
:func:`optbench.tuning.load_protocol` gives exactly the proposed spaces.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence

from optbench.tuning.scales import RANGE_SCALES, Hyperparameter, Value
from optbench.tuning.spaces import SearchSpace

WIDTH = 99  # characters per comment line
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "nan", "inf"}


def scalar(value: object) -> str:
    """One YAML scalar: floats by ``repr``, booleans as true/false, a string bare when YAML
    reads it back as that string, else quoted (a JSON string is a YAML double-quoted one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def hyperparameter(h: Hyperparameter) -> str:
    """The YAML value of one hyperparameter (flow mapping, or the bare fixed value)."""
    if h.scale in RANGE_SCALES:
        return f"{{scale: {h.scale}, low: {scalar(h.low)}, high: {scalar(h.high)}}}"
    if h.scale == "choice":
        values: tuple[Value, ...] = h.values
        return f"{{scale: choice, values: [{', '.join(scalar(v) for v in values)}]}}"
    return scalar(h.value)


def comment(text: str, indent: int) -> list[str]:
    """``text`` as ``# `` lines wrapped to :data:`WIDTH` at ``indent`` spaces."""
    prefix = " " * indent + "# "
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=prefix + "  ",
                         break_on_hyphens=False) or [prefix.rstrip()]  # fmt: skip


def _entries(hparams: Sequence[Hyperparameter], reasons: Mapping[str, str], indent: int):
    lines = []
    for h in hparams:
        lines += comment(reasons.get(h.name, ""), indent) if reasons.get(h.name) else []
        lines.append(f"{' ' * indent}{h.name}: {hyperparameter(h)}")
    return lines


def _section(reasons: Mapping[str, str], section: str) -> dict[str, str]:
    prefix = f"{section}."
    return {d[len(prefix) :]: r for d, r in reasons.items() if d.startswith(prefix)}


def render_protocol(
    *,
    name: str,
    description: str,
    sampler: str,
    trials: int,
    base_lr: float | None,
    spaces: Mapping[str, SearchSpace],
    reasons: Mapping[str, Mapping[str, str]],
    shared_reasons: Mapping[str, str],
    header: Sequence[str],
) -> str:
    """The protocol file: ``header`` as comments, the fields, the shared schedule (and
    workload hyperparameters) and every optimizer's space, each range under its reason
    (``shared_reasons`` by dimension: ``schedule.<name>``, ``workload.<name>``)."""
    first = next(iter(spaces.values()))
    lines = [line for text in header for line in comment(text, 0)]
    lines += [
        f"name: {scalar(name)}",
        f"description: {scalar(description)}",
        f"sampler: {scalar(sampler)}",
        f"trials: {trials}",
        f"base_lr: {scalar(None if base_lr is None else float(base_lr))}",
        "schedule:",
        f"  name: {scalar(first.schedule)}",
    ]
    if first.schedule_hyperparameters:
        lines.append("  hyperparameters:")
        lines += _entries(first.schedule_hyperparameters, _section(shared_reasons, "schedule"), 4)
    if first.workload_hyperparameters:
        lines.append("workload:")
        lines += _entries(first.workload_hyperparameters, _section(shared_reasons, "workload"), 2)
    lines.append("spaces:")
    for optimizer, space in spaces.items():
        if not space.hyperparameters:
            lines.append(f"  {scalar(optimizer)}: {{}}")
            continue
        lines.append(f"  {scalar(optimizer)}:")
        if not (space.arguments or space.bounds):
            lines += _entries(space.hyperparameters, reasons.get(optimizer, {}), 4)
            continue
        lines.append("    hyperparameters:")  # the full form (optbench.tuning.protocols)
        lines += _entries(space.hyperparameters, reasons.get(optimizer, {}), 6)
        data = space.to_data()
        for key in ("arguments", "bounds"):
            if key in data:
                lines.append(f"    {key}:")
                lines += [f"      {scalar(k)}: {_flow(v)}" for k, v in data[key].items()]
    return "\n".join(lines) + "\n"


def _flow(value: object) -> str:
    """``value`` (mappings, lists, scalars) as one line of flow-style YAML."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)
