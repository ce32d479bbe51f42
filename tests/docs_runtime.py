"""What the scripts that ``tests/test_docs.py`` makes from the Markdown call.

Each script is one document with every line that is not run blanked, so its line numbers
are the document's; the commands, doctests and files of the document are one-line calls to
the functions below, guarded by ``if __name__ == "__main__":`` so that a worker process that
imports the script (the processes executor spawns them) runs none of them again.
"""

from __future__ import annotations

import doctest
import shlex
import sys
import time
from pathlib import Path


def optbench(argv: list[str], doc: str, line: int) -> None:
    """Run ``optbench *argv`` through the command line's ``main``; any status but 0 ends
    the script with the document's line."""
    from optbench.cli import main

    shown = shlex.join(["optbench", *argv])
    print(f"$ {shown}    # {doc}:{line}", flush=True)
    start = time.perf_counter()
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse: a bad flag
        status = stop.code
    sys.stdout.flush()
    sys.stderr.flush()
    print(f"# {time.perf_counter() - start:.1f} s, status {status}", flush=True)
    if status != 0:
        raise SystemExit(f"{doc}:{line}: `{shown}` exited with status {status}")


def doctest_block(text: str, globs: dict, doc: str, line: int) -> None:
    """Check a block of ``>>>`` examples with doctest in the script's namespace."""
    name = f"{doc}:{line}"
    test = doctest.DocTestParser().get_doctest(text, globs, name, doc, line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, clear_globs=False)
    if result.failed:
        raise SystemExit(f"{name}: {result.failed} of {result.attempted} examples failed")


def write_file(name: str, text: str) -> None:
    """Write a block the document shows as a file's content, for later blocks to use."""
    Path(name).write_text(text, encoding="utf-8")
