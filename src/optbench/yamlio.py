"""YAML in and out, with the line of every field, so that errors can say where the problem is.

>>> data, lines = parse("a:\\n  b: 1\\n")
>>> data, lines[("a", "b")]
({'a': {'b': 1}}, 2)
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from optbench.errors import InvalidParameterError

Path = tuple[str, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-5`` as a float (YAML 1.1 wants ``1.0e-5``)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse(text: str, source: str = "<string>") -> tuple[Any, dict[Path, int]]:
    """The plain data of a YAML document and ``{path: 1-based line}`` for every value in it.

    A syntax error raises :class:`InvalidParameterError` naming ``source`` and the line.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidParameterError("yaml", source, f"valid YAML ({problem}{where})") from None
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    return _build(node, (), lines, _Loader("")), lines


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], loader: _Loader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            result[key] = _build(value_node, (*path, str(key)), lines, loader)
            lines[(*path, str(key))] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, str(i)), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def dump(data: Any) -> str:
    """Block-style YAML that keeps the key order; innermost collections on one line."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)


def line_of(parameter: str, lines: dict[Path, int]) -> int | None:
    """The line of the deepest known path that prefixes the dotted ``parameter``."""
    parts = tuple(parameter.split("."))
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return None


def located(
    error: InvalidParameterError, lines: dict[Path, int], source: str, rename: Any = None
) -> InvalidParameterError:
    """``error`` again, its parameter renamed by ``rename(parameter)`` when given, located at
    the line of that parameter in ``source``."""
    if rename is not None:
        error = error.renamed(rename(error.parameter))
    return error.at(source, line_of(error.parameter, lines))
