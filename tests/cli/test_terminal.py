"""Tables in a narrow terminal keep every name whole."""

from __future__ import annotations

import io

from rich.console import Console

from optbench.cli.terminal import Listing, render

NAME = "fmnist_mlp_cpu/momentum/full-fmnist-mlp"


def test_a_long_name_folds_in_a_narrow_terminal_instead_of_losing_its_end():
    listing = Listing("summary", "studies", ("study", "done", "diverged"),
                      [{"study": NAME, "done": 12, "diverged": 4}])  # fmt: skip
    out = io.StringIO()
    render([listing], "table", Console(file=out, width=40))
    text = out.getvalue()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 40
    cells = [line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")]
    assert "".join(cells) == NAME and len(cells) > 1
