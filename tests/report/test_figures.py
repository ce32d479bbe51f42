"""Figure conventions: fixed optimizer order and colours, hyperparameter axes in the space's
own scale, and studies whose every trial diverged (+inf everywhere) drawn without error."""

from __future__ import annotations

import math

import numpy as np

from optbench.report import build_report
from optbench.report.figures.base import finite_limits
from optbench.report.figures.curves import best_of_k_limits
from optbench.report.figures.hparams import axis_values
from optbench.report.style import (
    OPTIMIZER_COLORS,
    optimizer_color,
    order_optimizers,
    order_protocols,
)
from optbench.store import Outcome, QueuedTrial, Store, StudySpec, TrialState, Worker
from optbench.tuning.scales import Hyperparameter


def test_optimizers_keep_one_order_and_colour():
    assert order_optimizers(["mine", "adam", "sgd", "another", "nadam", "sgd"]) == [
        "sgd",
        "adam",
        "nadam",
        "another",
        "mine",
    ]
    assert len(set(OPTIMIZER_COLORS.values())) == 6
    assert optimizer_color("lamb") == optimizer_color("lamb")
    assert optimizer_color("lamb") not in OPTIMIZER_COLORS.values()


def test_protocols_run_from_narrowest_to_fullest():
    assert order_protocols(["full", "mine", "lr-only", "lr-grid"]) == [
        "lr-grid",
        "lr-only",
        "full",
        "mine",
    ]


def test_hyperparameter_axes_use_the_space_scale():
    momentum = Hyperparameter("momentum", "one_minus_log", low=0.0, high=0.999)
    x, label = axis_values(momentum, np.array([0.0, 0.5, 1.0]))
    assert label == "1 − momentum"
    np.testing.assert_allclose(x, [1.0, math.sqrt(1e-3), 1e-3])
    lr = Hyperparameter("lr", "log", low=1e-4, high=1.0)
    x, label = axis_values(lr, np.array([0.5]))
    assert label == "lr" and x[0] == 10.0**-2
    choice = Hyperparameter("width", "choice", values=(64, 128, 256))
    x, _ = axis_values(choice, np.array([0.1, 0.5, 0.99]))
    assert x.tolist() == [0, 1, 2]


def test_axis_limits_ignore_infinite_values():
    low, high = finite_limits([0.1, 0.2, math.inf])
    assert low < 0.1 and 0.2 < high < 1.0
    assert finite_limits([math.inf]) is None
    low, high = finite_limits([0.01, 1.0], log=True)
    assert 0 < low < 0.01 and high > 1.0


def test_a_study_whose_every_trial_diverged_is_drawn_and_ranked_last(tmp_path):
    store = Store(str(tmp_path / "diverged.db"))
    worker = Worker("w", "h", 1)
    yaml = "optimizer: sgd\nhyperparameters:\n  lr: {scale: log, low: 0.01, high: 10.0}\n"
    for optimizer, diverges in (("sgd", True), ("momentum", False)):
        text = yaml.replace("sgd", optimizer)
        text += "  momentum: 0.9\n" if optimizer == "momentum" else ""
        spec = StudySpec(
            f"k-{optimizer}",
            optimizer,
            "toy",
            optimizer,
            "lr-only",
            text,
            "h",
            "quasirandom",
            0,
            200,
            100,
            {"target": 0.2, "seeds": 1, "trials": 3},
        )
        study = store.study(spec)
        store.enqueue(
            study, [QueuedTrial(i, 0, i, {"lr": 1.0}, "constant", {}, [0.3 * i]) for i in range(3)]
        )
        for i in range(3):
            claim = store.claim([study], worker)
            if diverges:
                outcome = Outcome(
                    TrialState.DIVERGED,
                    steps=100,
                    diverged_at=100,
                    measurements=[(100, "train_loss", math.nan)],
                )
            else:
                outcome = Outcome(
                    TrialState.DONE,
                    steps=200,
                    measurements=[
                        (s, m, v)
                        for s in (100, 200)
                        for m, v in (
                            ("train_loss", 0.5 / s),
                            ("validation_error", 0.3 - i / 100),
                            ("test_error", 0.31),
                        )
                    ],
                )
            store.finish(claim.trial_id, worker, outcome)
    report = build_report(store, tmp_path / "out", n_boot=50)
    store.engine.dispose()
    assert len(report.figures) == 6 + 2
    text = report.summary.read_text()
    assert "| 2 | sgd | ∞ (diverged) [∞, ∞]" in text
    assert "| 1 | momentum | 28.00% [28.00%, " in text


def test_the_best_of_k_axis_of_error_rates_stops_at_100_percent():
    low, high = best_of_k_limits([0.105, 0.2, 0.88, math.inf])
    assert low < 0.105 and high == 1.0
    low, high = best_of_k_limits([0.105, 0.2, 0.3])
    assert 0.3 < high < 1.0  # the spread of the values, padded
    assert best_of_k_limits([1.2, 3.4])[1] > 3.4  # not error rates: no cap
