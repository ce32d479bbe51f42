"""Trial is plain, validated, frozen data."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from optbench.errors import InvalidParameterError
from optbench.study.trial import Trial

TRIAL = Trial(
    "fmnist_mlp_cpu",
    "momentum",
    {"lr": 0.05, "momentum": 0.9},
    "linear_decay",
    {"end_factor": 0.01, "decay_fraction": 0.8},
    seed=7,
    budget=100,
)


def test_trial_round_trips_through_pickle_and_dict():
    assert pickle.loads(pickle.dumps(TRIAL)) == TRIAL
    row = TRIAL.to_dict()
    assert row["hparams"] == {"lr": 0.05, "momentum": 0.9} and row["seed"] == 7
    assert Trial.from_dict(row) == TRIAL


def test_trial_is_frozen_and_hashable_by_value():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRIAL.seed = 1
    same = Trial.from_dict(TRIAL.to_dict())
    assert hash(same) == hash(TRIAL) and len({TRIAL, same}) == 1
    assert hash(dataclasses.replace(TRIAL, seed=8)) != hash(TRIAL)


def test_trial_copies_its_mappings():
    hparams = {"lr": 0.1}
    trial = Trial("fmnist_mlp", "sgd", hparams)
    hparams["lr"] = 5.0
    assert trial.hparams == {"lr": 0.1}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("seed", -1, "seed=-1"),
        ("seed", 1.5, "seed=1.5"),
        ("budget", 0, "budget=0"),
        ("eval_every", -2, "eval_every=-2"),
        ("threads", 0, "threads=0"),
        ("device", "tpu", "device='tpu'"),
        ("hparams", {"lr": "fast"}, "hparams\\['lr'\\]='fast'"),
    ],
)
def test_invalid_fields_name_the_parameter(field, value, message):
    with pytest.raises(InvalidParameterError, match=message):
        dataclasses.replace(TRIAL, **{field: value})
