"""The digest `optbench report` prints: the ranking with bands under each protocol, one line
per inclusion verdict, what changed between the protocols; never over 80 columns."""

from __future__ import annotations

import re

from optbench.cli import main
from optbench.report import build_report
from optbench.report.digest import WIDTH, _fit


def test_the_digest_ranks_gives_verdicts_and_changes_within_80_columns(store_builder, tmp_path):
    store = store_builder(
        tmp_path / "s.db",
        protocol_names=("lr-only", "full"),
        optimizers=("sgd", "momentum", "nesterov", "adam"),
        trials=10,
    )
    report = build_report(store, tmp_path / "out", n_boot=200, figures=False)
    text = "\n".join(report.digest)
    assert all(len(line) <= WIDTH for line in text.splitlines())
    rankings = re.findall(r"^  (\d)\. (\w+) +(\d+\.\d\d)% \[", text, flags=re.M)
    assert [rank for rank, _, _ in rankings] == ["1", "2", "3", "4"] * 2
    for first, second in zip(rankings[:3], rankings[1:4], strict=True):
        assert float(first[2]) <= float(second[2])  # best first under lr-only
    verdicts = re.findall(r"^    (\w+) ⊆ (\w+): (consistent|tie|violated|no evidence)", text, re.M)
    assert {(s, g) for s, g, _ in verdicts} == {
        ("sgd", "momentum"),
        ("sgd", "nesterov"),
        ("momentum", "adam"),
    }
    assert len(verdicts) == 6  # three pairs under each protocol
    (change,) = [line for line in text.splitlines() if "lr-only → full" in line]
    assert change.startswith("fmnist_mlp, lr-only → full: ")


def test_the_report_command_prints_the_digest_before_the_paths(store_builder, tmp_path, capsys):
    store_builder(tmp_path / "s.db", protocol_names=("lr-only",), trials=6)
    assert main(["report", "--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "r"),
                 "--no-figures", "--n-boot", "100"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.index("fmnist_mlp under lr-only:") < out.index("report: ")
    assert "    sgd ⊆ momentum: " in out


def test_long_lines_fold_at_word_boundaries_with_an_indent():
    line = "  " + " ".join(["word"] * 40)
    folded = _fit(line).splitlines()
    assert all(len(part) <= WIDTH for part in folded) and len(folded) == 3
    assert folded[0].startswith("  word") and folded[1].startswith("      word")
    assert " ".join(p.strip() for p in folded) == line.strip()


def test_an_indented_verdict_just_over_the_width_keeps_its_indent():
    line = "    momentum ⊆ adam: tie (consistent by test error; consistent by steps to target)"
    assert len(line) == WIDTH + 2
    assert _fit(line).splitlines() == [
        "    momentum ⊆ adam: tie (consistent by test error; consistent by steps to",
        "        target)",
    ]


def test_a_long_change_line_folds_once_without_blank_lines(store_builder, tmp_path):
    store = store_builder(
        tmp_path / "s.db",
        protocol_names=("lr-only", "full"),
        optimizers=("sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"),
        trials=8,
    )
    text = "\n".join(build_report(store, tmp_path / "out", n_boot=100, figures=False).digest)
    assert "\n\n" not in text and all(len(line) <= WIDTH for line in text.splitlines())
