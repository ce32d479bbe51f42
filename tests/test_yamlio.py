"""The YAML rules every optbench file follows: lines kept, duplicate keys refused, aliases and
nesting bounded before anything is expanded, files bounded before they are read."""

from __future__ import annotations

import os
import time

import pytest

from optbench import yamlio
from optbench.errors import InvalidParameterError
from optbench.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

SURPRISE = "YAML 1.1 reads 010 as 8 and 1:30 as 90"


def refusal(text: str) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as caught:
        yamlio.parse(text, "f.yaml")
    return caught.value


def nested(levels: int) -> str:
    """A value nested ``levels`` lists deep under the key ``a``."""
    return "a: " + "[" * levels + "1" + "]" * levels + "\n"


def test_every_path_keeps_its_line_and_numbers_are_read_as_yaml_writes_them():
    data, lines = yamlio.parse("a:\n  b: 1e-5\n  c: [x, {d: true, e: [0, 0x10, 1_000, '010']}]\n")
    assert data == {"a": {"b": 1e-5, "c": ["x", {"d": True, "e": [0, 16, 1000, "010"]}]}}
    assert lines[("a",)] == 1 and lines[("a", "b")] == 2
    assert lines[("a", "c", "1", "d")] == 3


@pytest.mark.parametrize(
    ("text", "key", "first", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "a", 1, 3),
        ("x:\n  y:\n    z: 1\n    w: 2\n    z: 3\n", "x.y.z", 3, 5),
        ("x: [{k: 1, k: 2}]\n", "x.0.k", 1, 1),
        ("x: {1: a, 0x1: b}\n", "x.1", 1, 1),  # two spellings of one integer are one key
    ],
)
def test_a_key_given_twice_is_refused_with_the_key_and_both_lines(text, key, first, line):
    error = refusal(text)
    assert (error.parameter, error.value, error.line, error.source) == ("key", key, line, "f.yaml")
    assert error.expected == f"each key once in a mapping (first given at line {first})"


def test_an_alias_is_expanded_and_keeps_the_line_of_its_anchor():
    data, lines = yamlio.parse("a: &s {scale: log}\nb: *s\n")
    assert data == {"a": {"scale": "log"}, "b": {"scale": "log"}}
    assert lines[("b", "scale")] == 1 and lines[("b",)] == 2


def test_a_billion_laughs_is_refused_before_anything_is_expanded():
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 30)]
    start = time.perf_counter()
    error = refusal("\n".join(lines))
    assert time.perf_counter() - start < 5.0  # 10**30 nodes: refused in microseconds
    assert error.expected == (
        f"valid YAML (found aliases that expand to more than {MAX_YAML_NODES} nodes at line 5)"
    )


def aliased(copies: int) -> str:
    """A document of 98 450 nodes once expanded with ``copies`` = 3, 122 461 with 4."""
    text = "a: &a [" + ", ".join(["x"] * 2400) + "]\n"  # 2 401 nodes
    text += "b: &b [" + ", ".join(["*a"] * 10) + "]\n"  # 24 011
    return text + "c: [" + ", ".join(["*b"] * copies) + "]\n"  # 1 + copies x 24 011


def test_aliases_are_accepted_up_to_the_bound_and_refused_beyond():
    data, _ = yamlio.parse(aliased(3))  # 1 + 3 keys + 2 401 + 24 011 + 72 034 = 98 450
    assert len(data["c"]) == 3 and len(data["c"][2][9]) == 2400
    # c alone has 96 045 nodes: the document, at line 1, is the first to cross the bound
    assert "expand to more than 100000 nodes at line 1" in refusal(aliased(4)).expected


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: [*a]}\n"])
def test_an_alias_inside_the_node_it_names_is_refused(text):
    assert "found an alias inside the node it names at line 1" in refusal(text).expected


def test_nesting_is_bounded_while_composing_and_once_aliases_are_expanded():
    data, _ = yamlio.parse(nested(MAX_YAML_DEPTH - 1))  # with the top mapping: the bound
    assert data["a"] == [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]
    too_deep = f"found lists or mappings nested deeper than {MAX_YAML_DEPTH} levels at line 1"
    assert too_deep in refusal(nested(MAX_YAML_DEPTH)).expected
    assert "nested deeper" in refusal(nested(100_000)).expected  # no RecursionError
    chain = "".join(f"x{i}: &x{i} [{f'*x{i - 1}' if i else 1}]\n" for i in range(MAX_YAML_DEPTH))
    error = refusal(chain)  # each line is 2 deep, but x19 expands to 21 levels
    assert error.expected == f"valid YAML ({too_deep.replace('line 1', f'line {MAX_YAML_DEPTH}')})"


def test_a_document_beyond_the_size_bound_is_refused_unparsed():
    error = refusal("a: " + "x" * MAX_YAML_BYTES)
    assert error.expected == (
        f"a YAML document of at most {MAX_YAML_BYTES} characters (it has {MAX_YAML_BYTES + 3})"
    )


@pytest.mark.parametrize(
    ("text", "parameter", "expected", "line"),
    [
        ("b: &b {c: 1}\na:\n  <<: *b\n", "key", "no merge key: optbench files write every key out",
         3),
        ("? [a, b]\n: 1\n", "key", "a plain key, not a list or mapping", 1),
        ("a: !!python/object/apply:os.system [ls]\n", "a", "a plain YAML value, without the tag "
         "'tag:yaml.org,2002:python/object/apply:os.system'", 1),
        ("a:\n  b: !!python/name:os.system x\n", "a.b", "a plain YAML value, without the tag "
         "'tag:yaml.org,2002:python/name:os.system'", 2),
        ("a: !!set {x, y}\n", "a", "a plain YAML value, without the tag 'tag:yaml.org,2002:set'",
         1),
        ("a:\n  b: !!int abc\n", "a.b", "an integer of at most 4300 digits", 2),
        ("a: !!float abc\n", "a", "a valid YAML float", 1),
        ("a: 1\nb: 010\n", "b", f"a number in plain decimal ({SURPRISE})", 2),
        ("a: {b: 1:30}\n", "a.b", f"a number in plain decimal ({SURPRISE})", 1),
        ("a: -1:30.5\n", "a", f"a number in plain decimal ({SURPRISE})", 1),
    ],
)  # fmt: skip
def test_what_yaml_cannot_read_is_refused_with_its_field_and_line(text, parameter, expected, line):
    error = refusal(text)
    assert (error.parameter, error.expected, error.line) == (parameter, expected, line)


def test_an_integer_of_thousands_of_digits_is_refused_and_not_echoed_whole():
    error = refusal("seed: " + "7" * 10_000 + "\n")
    assert error.parameter == "seed" and error.line == 1
    assert "(10002 characters)" in str(error) and len(str(error)) < 250


def test_a_syntax_error_names_the_line():
    assert refusal("a: [1\nb: 2\n").expected.startswith("valid YAML (")
    assert "line" in refusal("a: [1\nb: 2\n").expected


def test_read_file_returns_the_text_of_a_small_utf8_file(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("name: été\n")
    assert yamlio.read_file(path, "experiment") == "name: été\n"


def test_read_file_refuses_an_oversized_file_without_opening_it(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with path.open("wb") as file:
        file.truncate(50 * 2**20)
    monkeypatch.setattr(yamlio, "open", lambda *args: pytest.fail("opened"), raising=False)
    with pytest.raises(InvalidParameterError) as caught:
        yamlio.read_file(path, "protocol")
    assert (caught.value.parameter, caught.value.value) == ("protocol", str(path))
    assert caught.value.expected == (
        f"a YAML file of at most {MAX_YAML_BYTES} bytes (it has {50 * 2**20})"
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "a YAML file (this is a directory)"),
        (lambda p: os.mkfifo(p), "a YAML file (this is not a regular file)"),  # never blocks
        (lambda p: None, "a readable YAML file (No such file or directory)"),
        (lambda p: p.write_bytes(b"a: \xff\n"), "a UTF-8 text file (byte 3 is not UTF-8)"),
    ],
    ids=["directory", "fifo", "missing", "not-utf8"],
)
def test_read_file_refuses_what_is_not_a_readable_yaml_file(tmp_path, make, expected):
    path = tmp_path / "x.yaml"
    make(path)
    with pytest.raises(InvalidParameterError) as caught:
        yamlio.read_file(path, "space")
    assert caught.value.expected == expected
