"""The examples of README.md and docs/*.md run, so that a document cannot drift from the code.

For each document, every ```python block (in order, in one namespace), every block of ``>>>``
examples (checked with doctest) and every ``optbench ...`` command of a ```sh or ```console
block (through ``optbench.cli.main``, in the document's order) runs in a fresh working
directory that holds a copy of ``experiments/``. They run as one script made from the
document: every line that is not run is blanked, so a traceback's line numbers are the
document's, and a Python block runs exactly as a user who pasted the blocks into a script
would see it (worker processes included, which import that script). The script runs on one
core, so that its trials take one torch thread on a shared machine.

A block is run as written unless an HTML comment on the lines just above its fence says
otherwise, so that every exception is visible in the document, with its reason:

``<!-- docs-test: skip: REASON -->``
    the block is not run (a 100-trial study, a Ray cluster, ``make demo``, an install);
``<!-- docs-test: args: ARGS -->``
    ARGS are appended to each ``optbench run`` of the block (a later flag overrides an
    earlier one), to run a real-scale command on a small budget;
``<!-- docs-test: replace: "OLD" => "NEW" -->``
    OLD is replaced by NEW in the block before it runs (OLD must occur);
``<!-- docs-test: setup: optbench ... -->``
    a command run before the block (a database the block reads);
``<!-- docs-test: file: NAME -->``
    the block is the content of file NAME, written for later blocks to use (a ```python block
    so marked is written, not run: a user's module that later commands import).

In ``args``, ``replace`` and ``setup`` a ``# comment`` at the end may say why.

A ```sh block whose commands are not all ``optbench ...`` must be skipped explicitly, and a
marker that is unknown, misplaced or has nothing to act on is an error, so nothing is left
out silently. Other blocks (YAML, output, diagrams) are shown, not run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNTIME = Path(__file__).with_name("docs_runtime.py")

FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
MARKER = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->\s*$")
PYTHON = {"python", "py"}
SHELL = {"sh", "bash", "shell", "console"}
KINDS = ("skip", "args", "replace", "setup", "file")


class DocsTestError(ValueError):
    """A block or marker the harness cannot run as it stands."""


@dataclass
class Block:
    lang: str
    fence: int  # the line of the opening fence (1-based)
    lines: list[str]  # the content, the first at line fence + 1
    markers: list[tuple[int, str, str]] = field(default_factory=list)  # (line, kind, value)

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    @property
    def doctest(self) -> bool:
        first = next((line for line in self.lines if line.strip()), "")
        return self.lang == "pycon" or first.lstrip().startswith(">>>")

    def marked(self, kind: str) -> list[tuple[int, str]]:
        return [(line, value) for line, k, value in self.markers if k == kind]


def parse(text: str, doc: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the markers just above it."""
    blocks: list[Block] = []
    markers: list[tuple[int, str, str]] = []
    current: Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if current is not None:
            if line.startswith("```"):
                blocks.append(current)
                current = None
            else:
                current.lines.append(line)
            continue
        if found := MARKER.match(line):
            kind, _, value = found.group(1).partition(":")
            if kind.strip() not in KINDS or not value.strip():
                raise DocsTestError(
                    f"{doc}:{number}: unknown docs-test marker {line.strip()!r} "
                    f"(expected one of {', '.join(KINDS)}, each followed by ': ' and a value)"
                )
            markers.append((number, kind.strip(), value.strip()))
        elif fence := FENCE.match(line):
            current = Block(fence.group(1).lower(), number, [], markers)
            markers = []
        elif markers:
            raise DocsTestError(
                f"{doc}:{markers[0][0]}: a docs-test marker must stand just above "
                "a code block's fence"
            )
    if current is not None:
        raise DocsTestError(f"{doc}:{current.fence}: unclosed code block")
    if markers:
        raise DocsTestError(f"{doc}:{markers[0][0]}: a docs-test marker after the last block")
    return blocks


def _replaced(block: Block, doc: str) -> list[str]:
    text = block.text
    for line, value in block.marked("replace"):
        try:
            old, arrow, new = shlex.split(value, comments=True)
        except ValueError:
            old = arrow = new = ""
        if arrow != "=>" or not old:
            raise DocsTestError(f'{doc}:{line}: expected replace: "OLD" => "NEW", not {value!r}')
        if old not in text:
            raise DocsTestError(f"{doc}:{line}: replace: {old!r} is not in the block below")
        text = text.replace(old, new)
    lines = text.splitlines()
    if len(lines) != len(block.lines):
        raise DocsTestError(f"{doc}:{block.fence}: a replacement changed the number of lines")
    return lines


def commands(lines: list[str], first: int, lang: str) -> list[tuple[int, list[str]]]:
    """(line, argv) of each command of a shell block whose content starts at line ``first``;
    ``console`` blocks run only the lines after a ``$`` prompt."""
    found: list[tuple[int, list[str]]] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(lines, start=first):
        if pending is None:
            if lang == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pending = (number, "")
        start, text = pending
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            pending = (start, text + stripped[:-1] + " ")
            continue
        found.append((start, shlex.split(text + line, comments=True)))
        pending = None
    return found


def _is_optbench(argv: list[str]) -> bool:
    return bool(argv) and (argv[0] == "optbench" or argv[0].endswith("/optbench"))


@dataclass
class Script:
    source: str
    runs: int  # how many blocks run
    skipped: list[str]  # "line: reason" of each skipped block
    needs_data: bool


def script(path: Path) -> Script:
    """The document as a Python script: what runs, at its own lines; every other line blank."""
    return script_of(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def script_of(text: str, doc: str) -> Script:
    """``script`` of the Markdown ``text`` of document ``doc``."""
    slots = [""] * (len(text.splitlines()) + 2)
    runs, skipped = 0, []

    def call(line: int, code: str) -> None:
        if slots[line]:
            raise DocsTestError(f"{doc}:{line}: two things to run on one line")
        slots[line] = f"if __name__ == '__main__': _docs.{code}"

    for block in parse(text, doc):
        runnable = block.lang in PYTHON | SHELL or block.doctest
        if block.marked("skip"):
            if not runnable or len(block.markers) > 1:
                raise DocsTestError(
                    f"{doc}:{block.fence}: skip stands alone, on a block that would run"
                )
            skipped.append(f"{doc}:{block.fence}: {block.marked('skip')[0][1]}")
            continue
        if block.marked("file"):
            ((line, name),) = block.marked("file")
            if (runnable and block.lang not in PYTHON) or len(block.markers) > 1 or "/" in name:
                raise DocsTestError(
                    f"{doc}:{line}: file: NAME stands alone, on a block that does not run"
                )
            call(block.fence, f"write_file({name!r}, {block.text!r})")
            continue
        if not runnable:
            if block.markers:
                raise DocsTestError(
                    f"{doc}:{block.markers[0][0]}: a marker on a block "
                    f"that does not run ({block.lang or 'no language'})"
                )
            continue
        runs += 1
        lines = _replaced(block, doc)
        for line, command in block.marked("setup"):
            argv = shlex.split(command, comments=True)
            if not _is_optbench(argv):
                raise DocsTestError(f"{doc}:{line}: setup: runs an optbench command only")
            call(line, f"optbench({argv[1:]!r}, {doc!r}, {line})")
        if block.doctest:
            if block.marked("args"):
                raise DocsTestError(f"{doc}:{block.fence}: args: is for shell blocks")
            text_ = "".join(line + "\n" for line in lines)
            call(block.fence, f"doctest_block({text_!r}, globals(), {doc!r}, {block.fence})")
        elif block.lang in PYTHON:
            if block.marked("args"):
                raise DocsTestError(f"{doc}:{block.fence}: args: is for shell blocks")
            for number, line in enumerate(lines, start=block.fence + 1):
                slots[number] = line
        else:
            marked = block.marked("args")
            extra = [arg for _, value in marked for arg in shlex.split(value, comments=True)]
            found = commands(lines, block.fence + 1, block.lang)
            if not found:
                raise DocsTestError(f"{doc}:{block.fence}: a shell block with no command")
            if extra and not any(argv[1:2] == ["run"] for _, argv in found):
                raise DocsTestError(f"{doc}:{block.fence}: args: but no `optbench run` below")
            for line, argv in found:
                if not _is_optbench(argv):
                    raise DocsTestError(
                        f"{doc}:{line}: {shlex.join(argv)!r} is not an optbench command: run "
                        "only optbench in a shell block, or mark the block "
                        "<!-- docs-test: skip: REASON -->"
                    )
                argv = argv[1:] + (extra if argv[1:2] == ["run"] else [])
                call(line, f"optbench({argv!r}, {doc!r}, {line})")
    if runs:
        slots[1] = "import _docs_runtime as _docs"  # line 1 is a heading, never code
    source = "\n".join(slots[1:]) + "\n"
    needs_data = "fmnist" in source or "experiments/" in source
    return Script(source, runs, skipped, needs_data)


def run_document(path: Path, directory: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the document's script in ``directory``, which gets a copy of ``experiments/``."""
    made = script(path)
    shutil.copytree(ROOT / "experiments", directory / "experiments")
    shutil.copy(RUNTIME, directory / "_docs_runtime.py")
    name = re.sub(r"\W", "_", path.relative_to(ROOT).as_posix()) + ".py"
    (directory / name).write_text(made.source, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, name],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        preexec_fn=_one_core,
    )


def _one_core() -> None:
    """Run the examples on one core: a trial then uses one torch thread (its default is every
    core the process may use, which on a busy machine can run ten times slower), and the
    examples take one core of a shared machine."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


@pytest.mark.parametrize("path", DOCS, ids=[p.relative_to(ROOT).as_posix() for p in DOCS])
def test_examples_run(path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    made = script(path)
    for line in made.skipped:
        print("skipped", line)
    if not made.runs:
        return
    if made.needs_data:
        request.getfixturevalue("real_fmnist")
    done = run_document(path, tmp_path)
    output = (done.stdout + done.stderr)[-6000:]
    assert done.returncode == 0, f"{path.name}: an example failed (lines are the doc's):\n{output}"


# The harness itself, on small documents.


def _script(text: str) -> Script:
    return script_of(text, "doc.md")


def test_blocks_keep_their_lines_and_commands_are_guarded() -> None:
    made = _script(
        "# T\n\n```python\nx = 1\n```\n\n"
        "<!-- docs-test: args: --trials 2 -->\n```sh\noptbench run --workload w \\\n"
        "    --trials 32   # big\noptbench status\n```\n"
    )
    lines = made.source.splitlines()
    assert lines[0] == "import _docs_runtime as _docs" and lines[3] == "x = 1"
    assert lines[8].startswith("if __name__ == '__main__': _docs.optbench(")
    assert "['run', '--workload', 'w', '--trials', '32', '--trials', '2']" in lines[8]
    assert "['status']" in lines[10]
    assert made.runs == 2 and not made.needs_data


def test_console_blocks_run_only_prompted_lines_and_doctests_are_checked() -> None:
    made = _script(
        "# T\n\n```console\n$ optbench list optimizers\nname ...\n```\n\n```\n>>> 1 + 1\n2\n```\n"
    )
    lines = made.source.splitlines()
    assert "optbench(['list', 'optimizers']" in lines[3] and lines[4] == ""
    assert "doctest_block('>>> 1 + 1\\n2\\n', globals()" in lines[7]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# T\n\n```sh\nmake demo\n```\n", "not an optbench command"),
        ("# T\n\n<!-- docs-test: skip -->\n```sh\nmake demo\n```\n", "unknown docs-test marker"),
        ("# T\n\n<!-- docs-test: skp: slow -->\n```sh\nmake\n```\n", "unknown docs-test marker"),
        ("# T\n\n<!-- docs-test: skip: slow -->\n\nText.\n", "must stand just above"),
        (
            '# T\n\n<!-- docs-test: replace: "32" => "2" -->\n```sh\noptbench status\n```\n',
            "is not in the block",
        ),
        ("# T\n\n<!-- docs-test: skip: why -->\n```yaml\na: 1\n```\n", "skip stands alone"),
        (
            "# T\n\n<!-- docs-test: args: --trials 2 -->\n```sh\noptbench status\n```\n",
            "no `optbench run`",
        ),
    ],
)
def test_a_block_that_cannot_run_must_say_why(text: str, message: str) -> None:
    with pytest.raises(DocsTestError, match=re.escape(message)):
        _script(text)


def test_a_python_block_marked_as_a_file_is_written_not_run() -> None:
    made = _script("# T\n\n<!-- docs-test: file: mine.py -->\n```python\nimport torch\n```\n"
                   "\n```sh\noptbench check optimizer ./mine.py:X\n```\n")
    lines = made.source.splitlines()
    assert lines[3] == "if __name__ == '__main__': _docs.write_file('mine.py', 'import torch\\n')"
    assert made.runs == 1 and "import torch" not in lines


def test_every_document_parses_and_every_skip_has_a_reason() -> None:
    for path in DOCS:
        for line in script(path).skipped:
            assert line.split(": ", 1)[1].strip(), line
