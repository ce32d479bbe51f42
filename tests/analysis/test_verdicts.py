from collections import namedtuple

import numpy as np
import pytest

from optbench.analysis import Band, compare_protocols, inclusion_verdicts, rank_optimizers, verdict
from optbench.analysis.verdicts import ordinal

Pair = namedtuple("Pair", "special general")


@pytest.mark.parametrize(
    ("special", "general", "expected"),
    [
        ((0.20, 0.18, 0.22), (0.15, 0.13, 0.17), "consistent"),  # wholly below
        ((0.20, 0.18, 0.22), (0.19, 0.17, 0.21), "consistent"),  # overlapping, lower edges
        ((0.20, 0.18, 0.22), (0.20, 0.18, 0.22), "consistent"),  # identical
        ((0.20, 0.18, 0.22), (0.20, 0.17, 0.23), "tie"),  # wider: reaches above
        ((0.20, 0.18, 0.22), (0.21, 0.19, 0.23), "tie"),  # slightly worse, overlapping
        ((0.20, 0.18, 0.22), (0.23, 0.22, 0.24), "tie"),  # touching edge is not beyond
        ((0.20, 0.18, 0.22), (0.25, 0.23, 0.27), "violated"),  # worse beyond the bands
        ((np.inf,) * 3, (np.inf,) * 3, "no evidence"),  # neither ever got there
        ((0.20, 0.18, 0.22), (np.inf,) * 3, "violated"),
        ((np.inf,) * 3, (0.20, 0.18, 0.22), "consistent"),
        ((1500, 1000, np.inf), (np.inf,) * 3, "tie"),  # special sometimes, general never
    ],
)
def test_verdict_from_bands(special, general, expected):
    assert verdict(Band(*special), Band(*general)) == expected


def _studies(centres, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for name, centre in centres.items():
        values = centre + 0.01 * rng.random(40)
        out[name] = (values, values)
    return out


def test_verdicts_for_pairs_that_are_ranked():
    ranking = rank_optimizers(
        _studies({"sgd": 0.30, "momentum": 0.20, "adam": 0.40}), k=4, n_boot=300
    )
    pairs = [Pair("sgd", "momentum"), Pair("momentum", "adam"), Pair("momentum", "rmsprop")]
    found = inclusion_verdicts(ranking, pairs)
    assert [(v.special, v.general, v.verdict) for v in found] == [
        ("sgd", "momentum", "consistent"),
        ("momentum", "adam", "violated"),
    ]
    assert found[0].p_general_beats == 1.0 and found[1].p_general_beats == 0.0
    assert found[1].describe().startswith("momentum ⊆ adam: violated (adam 0.4")


def test_default_pairs_are_the_papers_inclusions():
    names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"]
    ranking = rank_optimizers(_studies(dict.fromkeys(names, 0.2)), n_boot=100)
    found = inclusion_verdicts(ranking)
    assert {(v.special, v.general) for v in found} == {
        ("sgd", "momentum"),
        ("sgd", "nesterov"),
        ("momentum", "rmsprop"),
        ("momentum", "adam"),
        ("nesterov", "nadam"),
    }


@pytest.mark.parametrize(
    ("rank", "word"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinals(rank, word):
    assert ordinal(rank) == word


def test_protocol_comparison_names_rank_changes():
    lr_only = rank_optimizers(
        _studies({"adam": 0.1, "sgd": 0.2, "momentum": 0.3, "nesterov": 0.4, "extra": 0.0}),
        n_boot=100,
    )
    full = rank_optimizers(
        _studies({"momentum": 0.1, "sgd": 0.2, "nesterov": 0.3, "adam": 0.4}), n_boot=100
    )
    comparison = compare_protocols(lr_only, full, "lr-only", "full", [Pair("momentum", "adam")])
    assert [c.name for c in comparison.ranks] == ["momentum", "sgd", "nesterov", "adam"]
    assert comparison.describe() == [
        "momentum: 3rd → 1st",
        "nesterov: 4th → 3rd",
        "adam: 1st → 4th",
    ]
    assert [c.name for c in comparison.changes] == ["momentum", "nesterov", "adam"]
    assert comparison.first_verdicts[0].verdict == "consistent"
    assert comparison.second_verdicts[0].verdict == "violated"
    same = compare_protocols(full, full, "a", "b")
    assert same.describe() == ["same order under a and b"]
