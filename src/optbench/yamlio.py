"""YAML in and out, with the line of every field, so that errors can say where the problem is.

Every optbench file (experiment, protocol, search space) is read here, and bounded before it
becomes Python data (the limits are in :mod:`optbench.limits`):

- a file is at most ``MAX_YAML_BYTES``, its size read before the file is; it must be a regular,
  readable, UTF-8 file;
- mappings and lists nest at most ``MAX_YAML_DEPTH`` deep;
- a document has at most ``MAX_YAML_NODES`` nodes once its aliases are expanded. Anchors and
  aliases are allowed (one space written once, used for two optimizers), but an alias that
  would expand beyond the bound (the "billion laughs") is refused before anything is expanded,
  and so is an alias inside the node it names. Merge keys (``<<``) are refused: they would let
  one key silently override another; so are tags (``!!set``, ``!!python/...``), which would
  change what a value means;
- a key given twice in one mapping, at any depth, is an error naming the key and both lines;
- a value YAML cannot read (an integer of thousands of digits, an unknown ``!!tag``) or would
  read in a surprising base (``010`` is 8, ``1:30`` is 90 in YAML 1.1) is an error naming its
  field and line.

>>> data, lines = parse("a:\\n  b: 1\\n")
>>> data, lines[("a", "b")]
({'a': {'b': 1}}, 2)
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable
from typing import Any

import yaml

from optbench.errors import InvalidParameterError, shown
from optbench.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

Path = tuple[str, ...]
MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG = "tag:yaml.org,2002:map"
SEQUENCE_TAG = "tag:yaml.org,2002:seq"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
#: Numbers YAML 1.1 reads in a base nobody means in a config file: octal (``010`` is 8) and
#: sexagesimal (``1:30`` is 90).
_SURPRISING_NUMBER = re.compile(r"[-+]?(0[0-7_]|[0-9_]+:)")


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-5`` as a float (YAML 1.1 wants ``1.0e-5``), and stops
    composing at ``MAX_YAML_DEPTH`` levels, long before Python's recursion limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_sequence_node(self, anchor: str | None) -> yaml.SequenceNode:
        return self._nested(super().compose_sequence_node, anchor)

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        return self._nested(super().compose_mapping_node, anchor)

    def _nested(self, compose: Callable[[str | None], yaml.Node], anchor: str | None) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, _TOO_DEEP, mark)
            return compose(anchor)
        finally:
            self.depth -= 1


_TOO_DEEP = f"found lists or mappings nested deeper than {MAX_YAML_DEPTH} levels"
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


def read_file(path: str | os.PathLike, parameter: str) -> str:
    """The text of the YAML file at ``path``. Anything but a readable regular UTF-8 file of at
    most ``MAX_YAML_BYTES`` is refused with an error naming ``parameter`` and the path; the size
    is read first, so an oversized file is never read."""
    name = str(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise _unreadable(parameter, name, error) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise InvalidParameterError(parameter, name, f"a YAML file (this is {kind})")
    if info.st_size > MAX_YAML_BYTES:
        raise _too_large(parameter, name, f"it has {info.st_size}")
    try:
        with open(path, "rb") as file:
            content = file.read(MAX_YAML_BYTES + 1)
    except OSError as error:
        raise _unreadable(parameter, name, error) from None
    if len(content) > MAX_YAML_BYTES:  # it grew after its size was read
        raise _too_large(parameter, name, "it has more")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        expected = f"a UTF-8 text file (byte {error.start} is not UTF-8)"
        raise InvalidParameterError(parameter, name, expected) from None


def _unreadable(parameter: str, name: str, error: Exception) -> InvalidParameterError:
    reason = getattr(error, "strerror", None) or error
    return InvalidParameterError(parameter, name, f"a readable YAML file ({reason})")


def _too_large(parameter: str, name: str, size: str) -> InvalidParameterError:
    return InvalidParameterError(
        parameter, name, f"a YAML file of at most {MAX_YAML_BYTES} bytes ({size})"
    )


def parse(text: str, source: str = "<string>") -> tuple[Any, dict[Path, int]]:
    """The plain data of a YAML document and ``{path: 1-based line}`` for every value in it.

    A syntax error, a document beyond the limits, a duplicate key or a value YAML cannot read
    raises :class:`InvalidParameterError` naming ``source`` and the line.
    """
    if len(text) > MAX_YAML_BYTES:
        expected = f"a YAML document of at most {MAX_YAML_BYTES} characters (it has {len(text)})"
        raise InvalidParameterError("yaml", source, expected)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise _invalid(source, problem, getattr(error, "problem_mark", None)) from None
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    _check_expansion(node, source)
    return _Builder(source, lines).build(node, ()), lines


def _invalid(source: str, problem: str, mark: Any) -> InvalidParameterError:
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return InvalidParameterError("yaml", source, f"valid YAML ({problem}{where})")


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Refuse a document whose expanded form (every alias replaced by the node it names) would
    exceed ``MAX_YAML_NODES`` nodes or ``MAX_YAML_DEPTH`` levels, or never end. Nothing is
    expanded: the size and height of each node are computed once, however many aliases name it
    (an anchor comes before its aliases, so each is known when an alias reaches it), and an
    error points at the node written with the aliases in it."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, levels of lists/mappings)
    open_nodes: set[int] = set()

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in open_nodes:
            raise _invalid(source, "found an alias inside the node it names", node.start_mark)
        if key not in measured:
            open_nodes.add(key)
            children = _children(node)
            sizes = [measure(child, depth + 1) for child in children or ()]
            open_nodes.discard(key)
            nodes = 1 + sum(nodes for nodes, _ in sizes)
            levels = max((levels for _, levels in sizes), default=0) + (children is not None)
            if nodes > MAX_YAML_NODES:
                problem = f"found aliases that expand to more than {MAX_YAML_NODES} nodes"
                raise _invalid(source, problem, node.start_mark)
            if depth + levels > MAX_YAML_DEPTH:
                raise _invalid(source, _TOO_DEEP, node.start_mark)
            measured[key] = (nodes, levels)
        return measured[key]

    measure(root, 0)


def _children(node: yaml.Node) -> list[yaml.Node] | None:
    """The keys and values of a mapping, the items of a list; None for a scalar."""
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return None


def _dotted(path: Path) -> str:
    return ".".join(path) or "document"


class _Builder:
    """Builds the plain data of a composed document, recording the line of every path."""

    def __init__(self, source: str, lines: dict[Path, int]) -> None:
        self.source, self.lines = source, lines
        self.constructor = _Loader("")

    def build(self, node: yaml.Node, path: Path) -> Any:
        line = self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if node.tag not in (MAP_TAG, SEQUENCE_TAG):  # !!set, !!omap, !!python/...: not plain data
            expected = f"a plain YAML value, without the tag {shown(node.tag)}"
            raise self._error(_dotted(path), f"a tagged {node.id}", expected, line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        return [self.build(item, (*path, str(i))) for i, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        result: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self._key(key_node, path, line)
            key_path = (*path, str(key))
            if key in first_line:
                expected = f"each key once in a mapping (first given at line {first_line[key]})"
                raise self._error("key", _dotted(key_path), expected, line)
            first_line[key] = line
            result[key] = self.build(value_node, key_path)
            self.lines[key_path] = line
        return result

    def _key(self, node: yaml.Node, path: Path, line: int) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            key = _dotted((*path, f"<a {node.id}>"))
            raise self._error("key", key, "a plain key, not a list or mapping", line)
        if node.tag == MERGE_TAG:
            expected = "no merge key: optbench files write every key out"
            raise self._error("key", _dotted((*path, node.value)), expected, line)
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag in (INT_TAG, FLOAT_TAG) and _SURPRISING_NUMBER.match(node.value):
            expected = "a number in plain decimal (YAML 1.1 reads 010 as 8 and 1:30 as 90)"
            raise self._error(_dotted(path), node.value, expected, node.start_mark.line + 1)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            kind = node.tag.rsplit(":", 1)[-1]
            if node.tag not in self.constructor.yaml_constructors:
                expected = f"a plain YAML value, without the tag {shown(node.tag)}"
            elif kind == "int":
                digits = sys.get_int_max_str_digits()  # 0: no limit
                expected = "an integer" + (f" of at most {digits} digits" if digits else "")
            else:
                expected = f"a valid YAML {kind}"
            line = node.start_mark.line + 1
            raise self._error(_dotted(path), node.value, expected, line) from None

    def _error(
        self, parameter: str, value: object, expected: str, line: int
    ) -> InvalidParameterError:
        return InvalidParameterError(parameter, value, expected, source=self.source, line=line)


def dump(data: Any) -> str:
    """Block-style YAML that keeps the key order; innermost collections on one line."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)


def line_of(parameter: str, lines: dict[Path, int]) -> int | None:
    """The line of the deepest known path that prefixes the dotted ``parameter`` (a key may
    hold dots itself, as an import path does)."""
    dotted = {".".join(path): line for path, line in lines.items() if path}
    found = [d for d in dotted if parameter == d or parameter.startswith(f"{d}.")]
    return dotted[max(found, key=len)] if found else None


def located(
    error: InvalidParameterError, lines: dict[Path, int], source: str, rename: Any = None
) -> InvalidParameterError:
    """``error`` again, its parameter renamed by ``rename(parameter)`` when given, located at
    the line of that parameter in ``source``."""
    if rename is not None:
        error = error.renamed(rename(error.parameter))
    return error.at(source, line_of(error.parameter, lines))
