"""The workload's own hyperparameters (regularisation) in a search space, and the numeric
precision of a trial: both reach the trial, are stored with it, and change what it computes."""

from __future__ import annotations

import dataclasses

import pytest

from optbench.errors import InvalidParameterError
from optbench.store import Store
from optbench.study.plan import StudyPlan, plan_study, prepare
from optbench.study.runner import run_trial
from optbench.study.trial import Trial
from optbench.tuning import SearchSpace
from optbench.workloads import create, register_spec, unregister

PROTOCOL = """
name: tuned-l2
sampler: quasirandom
trials: 4
base_lr: null
schedule: {name: constant}
workload:
  l2: {scale: log, low: 1.0e-5, high: 1.0e-2}
  label_smoothing: 0.1
spaces:
  adam:
    lr: {scale: log, low: 1.0e-4, high: 1.0e-2}
"""


def test_a_workload_lists_its_own_hyperparameters_with_their_values():
    assert create("cifar10_vgg16").hyperparameters() == {
        "l2": 5e-4,
        "label_smoothing": 0.0,
        "first_dropout": 0.3,
        "conv_dropout": 0.4,
        "classifier_dropout": 0.5,
    }
    assert create("imagenet_resnet50").hyperparameters() == {"l2": 1e-4, "label_smoothing": 0.1}
    assert create("fmnist_mlp").hyperparameters() == {}


def test_with_hyperparameters_sets_task_fields_and_model_arguments():
    spec = create("cifar10_vgg16").with_hyperparameters({"l2": 1e-3, "conv_dropout": 0.2})
    assert (spec.task.l2, spec.model_args["conv_dropout"]) == (1e-3, 0.2)
    assert spec.model_args["first_dropout"] == 0.3 and spec.task.label_smoothing == 0.0
    with pytest.raises(InvalidParameterError, match=r"did you mean 'l2'"):
        spec.with_hyperparameters({"l3": 0.1})
    with pytest.raises(InvalidParameterError, match=r"workload.conv_dropout=1.5 .*\[0, 1\)"):
        spec.with_hyperparameters({"conv_dropout": 1.5})
    with pytest.raises(InvalidParameterError, match="label_smoothing"):
        spec.with_hyperparameters({"label_smoothing": -0.5})


def test_a_space_searches_workload_hyperparameters_beside_the_optimizers(tmp_path):
    path = tmp_path / "tuned.yaml"
    path.write_text(PROTOCOL)
    planned = plan_study(StudyPlan("cifar10_resnet32_cpu", "adam", str(path)))
    space = SearchSpace.from_yaml(planned.spec.space_yaml)
    assert [name for name, _ in space.dimensions] == ["lr", "workload.l2"]
    l2 = [t.workload_params["l2"] for t in planned.trials]
    assert len(set(l2)) == 4 and all(1e-5 <= v <= 1e-2 for v in l2)
    assert {t.workload_params["label_smoothing"] for t in planned.trials} == {0.1}
    assert all(set(t.hparams) == {"lr"} for t in planned.trials)
    with pytest.raises(InvalidParameterError, match="hyperparameter of workload 'fmnist_mlp_cpu'"):
        plan_study(StudyPlan("fmnist_mlp_cpu", "adam", str(path)))


def test_workload_hyperparameters_reach_the_trial_and_change_its_loss(tiny_cifar10):
    base = create("cifar10_resnet32", batch_size=16, budget=2, eval_every=1, cpu={})
    spec = base.replace(
        name="tiny_resnet",
        task=dataclasses.replace(base.task, validation=100),
        model_args={"blocks": 1, "widths": (8, 16, 32)},
    )
    register_spec(spec)
    try:
        trial = Trial("tiny_resnet", "adam", {"lr": 1e-3}, threads=1, data_path=tiny_cifar10)
        plain = run_trial(dataclasses.replace(trial, workload_params={"l2": 0.0}))
        heavy = run_trial(dataclasses.replace(trial, workload_params={"l2": 1.0}))
    finally:
        unregister("tiny_resnet")
    # the first step's loss adds 0.5 * 1.0 * sum of squared weights, the same initial weights
    assert heavy.curve[0].train_loss > plain.curve[0].train_loss + 1.0
    assert heavy.curve[0].validation_loss < heavy.curve[0].train_loss  # no L2 in evaluation


def test_bfloat16_changes_the_arithmetic_and_is_stored_with_the_study_and_trial(
    tmp_path, fake_fmnist
):
    spec = create("fmnist_mlp", budget=5, eval_every=5, batch_size=32, cpu={})
    spec = spec.replace(name="tiny_mlp", task=dataclasses.replace(spec.task, validation=200))
    register_spec(spec)
    try:
        trial = Trial("tiny_mlp", "sgd", {"lr": 0.1}, threads=1, data_path=fake_fmnist)
        full = run_trial(trial)
        half = run_trial(dataclasses.replace(trial, precision="bfloat16"))
        store = Store(str(tmp_path / "s.db"))
        plain_id = prepare(store, StudyPlan("tiny_mlp", "sgd", "lr-only", trials=1))
        bf16_id = prepare(
            store, StudyPlan("tiny_mlp", "sgd", "lr-only", trials=1, precision="bfloat16")
        )
        with pytest.raises(InvalidParameterError, match=r"precision='tf32' .*off CUDA"):
            run_trial(dataclasses.replace(trial, precision="tf32", device="cpu"))
    finally:
        unregister("tiny_mlp")
    assert full.curve[-1].train_loss != half.curve[-1].train_loss
    assert abs(full.curve[-1].train_loss - half.curve[-1].train_loss) < 0.1
    specs = dict(store.studies())
    assert plain_id != bf16_id  # never mixed in one study
    assert specs[bf16_id].settings["precision"] == "bfloat16"
    assert specs[plain_id].settings["precision"] == "float32"
    with pytest.raises(InvalidParameterError, match="one of float32, tf32, bfloat16"):
        Trial("tiny_mlp", "sgd", {"lr": 0.1}, precision="float16")


def test_float32_studies_keep_the_keys_they_had():
    # The identity of a float32 study has no precision entry: adding the option changed no
    # existing study's key (this key was computed by the code before precision existed).
    planned = plan_study(StudyPlan("fmnist_mlp_cpu", "sgd", "lr-only", trials=1))
    assert planned.spec.key == "fd0f1f8d9736fbac49a93d1f0f5fc7765770de0b0c9b4affae28d7f0de527501"
