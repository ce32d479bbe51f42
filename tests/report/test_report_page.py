"""The whole report of a store with two workloads, one still running: every figure written as
PNG and SVG, embedded in the page, and the page rendered by headless Chromium with every
figure loaded and no console error; the ``optbench report`` command.

The Chromium test runs wherever Chromium is installed (``make test`` installs Debian's
``chromium`` when it runs as root with apt-get); without it, it is skipped on a developer's
machine and fails under CI ($CI set), so CI never passes without it.
"""

from __future__ import annotations

import os
import re
import struct

import pytest

from optbench.cli import main
from optbench.report import build_report

FMNIST_GROUP = [
    "errors",
    "best-of-k",
    "steps-to-target",
    "target-sweep",
    "train-loss",
    "training-curves",
]


@pytest.fixture(scope="module")
def report(store_builder, tmp_path_factory):
    directory = tmp_path_factory.mktemp("report")
    database = directory / "studies.db"
    store_builder(
        database,
        workloads=("fmnist_mlp",),
        protocol_names=("lr-only", "full"),
        optimizers=("sgd", "momentum"),
        trials=8,
        pending=1,
    )
    store = store_builder(
        database,
        workloads=("cifar10_small",),
        protocol_names=("lr-only",),
        optimizers=("sgd", "momentum"),
        trials=6,
    )
    built = build_report(store, directory / "out", n_boot=200)
    store.engine.dispose()
    return built


def _png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_every_figure_is_written_as_png_and_svg(report):
    stems = {f.stem for f in report.figures}
    expected = {"protocols--fmnist_mlp"}
    expected |= {f"{kind}--fmnist_mlp--{p}" for kind in FMNIST_GROUP for p in ("lr-only", "full")}
    expected |= {f"{kind}--cifar10_small--lr-only" for kind in FMNIST_GROUP}
    expected |= {
        f"hparams--fmnist_mlp--{p}--{o}" for p in ("lr-only", "full") for o in ("sgd", "momentum")
    }
    expected |= {f"hparams--cifar10_small--lr-only--{o}" for o in ("sgd", "momentum")}
    assert stems == expected
    for figure in report.figures:
        width, height = _png_size(figure.png)
        assert width >= 500 and height >= 250
        assert "<svg" in figure.svg.read_text()[:2000]


def test_titles_say_partial_while_trials_run(report):
    titles = {f.stem: f.title for f in report.figures}
    assert "partial" in titles["errors--fmnist_mlp--full"]
    assert "partial" not in titles["errors--cifar10_small--lr-only"]


def test_page_embeds_every_figure_and_nothing_external(report):
    page = report.index.read_text()
    images = re.findall(r"<img [^>]*src=\"([^\"]+)\"", page)
    assert len(images) == len(report.figures) == 25
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"(src|href)=['\"]https?:", page)
    assert "<script" not in page
    for study in ("fmnist_mlp / momentum / full", "cifar10_small / sgd / lr-only"):
        assert study in page  # each study's protocol section
    assert "Partial report" in page and "lr-only → full" in page


def _chromium_or_skip(chromium) -> None:
    if chromium.chromium_path() is None:
        message = "chromium is not installed (as root, make test installs it with apt-get)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_page_renders_in_chromium_with_every_figure_loaded(report, chromium, tmp_path):
    _chromium_or_skip(chromium)
    shown = chromium.open_page(
        report.index,
        "[document.body.dataset.partial, document.querySelectorAll('figure').length, "
        "document.getElementById('partial').textContent]",
    )
    assert shown.errors == []
    assert len(shown.images) == len(report.figures)
    for complete, width, height in shown.images:
        assert complete and width > 0 and height > 0
    partial, figures, notice = shown.value
    assert partial == "true" and figures == len(report.figures)
    assert notice.startswith("Partial report")
    (tmp_path / "page.png").write_bytes(shown.screenshot)
    assert _png_size(tmp_path / "page.png")[0] == 1280


def test_report_command_writes_the_report(report, tmp_path, capsys):
    database = report.out.parent / "studies.db"
    out = tmp_path / "cli"
    assert (
        main(
            ["report", "--db", str(database), "--out", str(out), "--no-figures", "--n-boot", "100"]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "partial" in printed and str(out / "index.html") in printed
    assert (out / "summary.md").is_file() and (out / "tables" / "rankings.csv").is_file()


def test_report_command_refuses_a_missing_database(tmp_path, capsys):
    assert main(["report", "--db", str(tmp_path / "nothing.db"), "--out", str(tmp_path)]) == 2
    assert "database=" in capsys.readouterr().err
    assert not (tmp_path / "nothing.db").exists()
