"""Hyperparameter scales, search spaces: validation, YAML round trip, hash, decoding, scaling."""

import math
import pickle
import textwrap

import pytest

from optbench.errors import InvalidParameterError
from optbench.tuning.scales import Hyperparameter
from optbench.tuning.spaces import SearchSpace

ADAM_YAML = textwrap.dedent(
    """\
    optimizer: adam
    hyperparameters:
      lr_over_eps: {scale: log, low: 0.001, high: 1.0e+6}
      eps: {scale: log, low: 1.0e-10, high: 1000.0}
      beta1: {scale: one_minus_log, low: 0.0, high: 0.999}
      beta2: 0.999
    schedule:
      name: linear_decay
      hyperparameters:
        end_factor: {scale: log, low: 1.0e-4, high: 0.1}
        decay_fraction: {scale: linear, low: 0.5, high: 1.0}
    """
)
# sha256 of the canonical JSON of ADAM_YAML's space; a change here changes every stored study.
ADAM_HASH = "137dbdf3359391cc515ce0865bb96a1d32450f999a907e5480c3e251f5072621"


def adam() -> SearchSpace:
    return SearchSpace.from_yaml(ADAM_YAML)


# -- scales --------------------------------------------------------------------------------


def test_linear_scale_interpolates():
    h = Hyperparameter("x", "linear", 2.0, 4.0)
    assert [h.from_unit(u) for u in (0.0, 0.25, 1.0)] == [2.0, 2.5, 4.0]


def test_log_scale_is_geometric_and_hits_decades():
    h = Hyperparameter("lr", "log", 1e-4, 1.0)
    assert h.from_unit(0.5) == pytest.approx(1e-2, rel=1e-12)
    assert h.from_unit(0.25) == pytest.approx(1e-3, rel=1e-12)
    assert (h.from_unit(0.0), h.from_unit(1.0)) == (1e-4, 1.0)


def test_one_minus_log_scale_is_log_uniform_in_one_minus_x():
    h = Hyperparameter("momentum", "one_minus_log", 0.0, 0.999)
    # 1 - x goes from 1 (u=0) to 1e-3 (u=1) log-uniformly: u=1/3 gives 1 - 0.1, u=2/3 gives 0.99
    assert h.from_unit(1 / 3) == pytest.approx(0.9, rel=1e-12)
    assert h.from_unit(2 / 3) == pytest.approx(0.99, rel=1e-12)
    assert h.from_unit(0.5) == pytest.approx(1 - 10**-1.5, rel=1e-12)
    assert (h.from_unit(0.0), h.from_unit(1.0)) == (0.0, 0.999)


def test_choice_splits_the_unit_interval_evenly():
    h = Hyperparameter("x", "choice", values=(1, 2, 3))
    assert [h.from_unit(u) for u in (0.0, 0.33, 0.34, 0.99, 1.0)] == [1.0, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    "h",
    [
        Hyperparameter("a", "linear", -1.0, 3.0),
        Hyperparameter("b", "log", 1e-10, 1e3),
        Hyperparameter("c", "one_minus_log", 0.5, 0.9999),
    ],
)
def test_to_unit_inverts_from_unit(h):
    for u in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert h.to_unit(h.from_unit(u)) == pytest.approx(u, abs=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "field", "problem"),
    [
        ({"scale": "log", "low": 0.0, "high": 1.0}, "lr.low", "> 0 on the log scale"),
        ({"scale": "log", "low": -1.0, "high": 1.0}, "lr.low", "> 0 on the log scale"),
        ({"scale": "linear", "low": 2.0, "high": 2.0}, "lr.low", "below high"),
        ({"scale": "linear", "low": 3.0, "high": 2.0}, "lr.low", "below high"),
        ({"scale": "one_minus_log", "low": 0.5, "high": 1.0}, "lr.high", "[0, 1)"),
        ({"scale": "one_minus_log", "low": -0.1, "high": 0.9}, "lr.low", "[0, 1)"),
        ({"scale": "log", "low": 1e-3, "high": math.inf}, "lr.high", "finite"),
        ({"scale": "log", "low": "abc", "high": 1.0}, "lr.low", "finite number"),
        ({"scale": "choice", "values": (1, 1)}, "lr.values", "distinct"),
        ({"scale": "logg", "low": 1e-3, "high": 1.0}, "lr.scale", "did you mean 'log'"),
        ({"scale": "log", "low": 1e-3}, "lr.high", "missing"),
        ({"scale": "fixed", "value": 1.0, "low": 0.0}, "lr.low", "no 'low' on the fixed scale"),
    ],
)
def test_invalid_hyperparameter_names_the_field_and_the_problem(kwargs, field, problem):
    with pytest.raises(InvalidParameterError) as info:
        Hyperparameter("lr", **kwargs)
    assert info.value.parameter == field
    assert problem in str(info.value)


# -- search spaces ---------------------------------------------------------------------------


def test_dimensions_are_searched_hyperparameters_sorted_optimizer_then_schedule():
    names = [name for name, _ in adam().dimensions]
    assert names == [
        "beta1",
        "eps",
        "lr_over_eps",
        "schedule.decay_fraction",
        "schedule.end_factor",
    ]


def test_decode_derives_lr_from_lr_over_eps_and_fills_fixed_values():
    point = adam().decode([0.5, 0.5, 0.5, 0.5, 0.5])
    eps = 10 ** ((-10 + 3) / 2)  # geometric middle of [1e-10, 1e3]
    lr_over_eps = 10 ** ((-3 + 6) / 2)
    assert point.hyperparameters["eps"] == pytest.approx(eps, rel=1e-12)
    assert point.hyperparameters["lr"] == pytest.approx(lr_over_eps * eps, rel=1e-12)
    assert point.hyperparameters["beta2"] == 0.999
    assert point.hyperparameters["beta1"] == pytest.approx(1 - 10**-1.5, rel=1e-12)
    assert "lr_over_eps" not in point.hyperparameters
    assert point.searched["lr_over_eps"] == pytest.approx(lr_over_eps, rel=1e-12)
    assert point.schedule == "linear_decay"
    assert point.schedule_params == pytest.approx({"decay_fraction": 0.75, "end_factor": 10**-2.5})
    assert point.unit == (0.5,) * 5


def test_decode_derives_lr_from_lr_over_sqrt_eps():
    space = SearchSpace(
        "rmsprop",
        (
            Hyperparameter("lr_over_sqrt_eps", "fixed", value=2.0),
            Hyperparameter("eps", "log", 1e-8, 1e-4),
        ),
    )
    point = space.decode([1.0])
    assert point.hyperparameters == pytest.approx({"lr": 2.0 * 1e-2, "eps": 1e-4})


def test_decode_rejects_wrong_number_of_coordinates_or_outside_unit_cube():
    with pytest.raises(InvalidParameterError, match="5 coordinates"):
        adam().decode([0.5] * 4)
    with pytest.raises(InvalidParameterError, match="unit"):
        adam().decode([0.5, 0.5, 0.5, 0.5, 1.5])


def test_yaml_round_trip_is_exact_for_awkward_floats(tmp_path):
    space = SearchSpace(
        "momentum",
        (
            Hyperparameter("lr", "log", 0.1 + 0.2, 1 / 3),
            Hyperparameter("momentum", "choice", values=(0.9, 0.99, 0.999)),
        ),
        "step_decay",
        (
            Hyperparameter("factor", "linear", 1e-3, 0.5),
            Hyperparameter("boundaries", "fixed", value=(0.5, 0.75)),
        ),
    )
    again = SearchSpace.from_yaml(space.to_yaml())
    assert again == space and again.hash == space.hash
    assert again.get("lr").low == 0.30000000000000004
    assert again.to_yaml() == space.to_yaml()
    space.save(tmp_path / "space.yaml")
    assert SearchSpace.load(tmp_path / "space.yaml") == space


def test_hash_is_pinned_so_that_changing_the_canonical_form_is_noticed():
    assert adam().hash == ADAM_HASH


def test_hash_ignores_key_order_layout_and_int_vs_float():
    reordered = textwrap.dedent(
        """\
        schedule:
          hyperparameters:
            decay_fraction:
              high: 1
              low: 0.5
              scale: linear
            end_factor: {scale: log, low: 1e-4, high: 0.1}
          name: linear_decay
        hyperparameters:
          beta2: {scale: fixed, value: 0.999}
          beta1: {scale: one_minus_log, low: 0, high: 0.999}
          eps: {scale: log, low: 1e-10, high: 1000}
          lr_over_eps: {scale: log, low: 0.001, high: 1000000}
        optimizer: adam
        """
    )
    assert SearchSpace.from_yaml(reordered).hash == adam().hash
    assert SearchSpace.from_yaml(reordered) == adam()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("optimizer: adam", "optimizer: nadam"),
        ("low: 0.001", "low: 0.002"),
        ("high: 1000.0}", "high: 100.0}"),
        ("beta2: 0.999", "beta2: 0.99"),
        ("scale: linear, low: 0.5", "scale: log, low: 0.5"),
        ("name: linear_decay", "name: cosine"),
    ],
)
def test_any_change_changes_the_hash(old, new):
    text = ADAM_YAML.replace(old, new)
    if "cosine" in new:  # cosine takes end_factor only
        text = text.replace("    decay_fraction: {scale: linear, low: 0.5, high: 1.0}\n", "")
    assert text != ADAM_YAML
    assert SearchSpace.from_yaml(text).hash != adam().hash


def test_scaled_multiplies_only_learning_rate_axes():
    scaled = adam().scaled(0.5)
    assert (scaled.get("lr_over_eps").low, scaled.get("lr_over_eps").high) == (0.0005, 5e5)
    assert scaled.get("eps") == adam().get("eps")
    assert scaled.get("beta1") == adam().get("beta1")
    assert scaled.hash != adam().hash
    assert adam().scaled(1.0) == adam()
    with pytest.raises(InvalidParameterError, match="factor"):
        adam().scaled(0.0)


def test_describe_lists_every_hyperparameter_with_scale_and_range():
    text = adam().describe()
    for fragment in (
        "adam",
        "5 dimensions",
        "lr_over_eps",
        "[0.001, 1e+06]",
        "one_minus_log",
        "= 0.999",
        "schedule.end_factor",
        "lr = lr_over_eps * eps",
        ADAM_HASH[:12],
    ):
        assert fragment in text


def test_space_and_point_pickle():
    space = adam()
    assert pickle.loads(pickle.dumps(space)) == space
    point = space.decode([0.1] * 5)
    assert pickle.loads(pickle.dumps(point)) == point


# -- validation through YAML, with lines -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ("low: 1.0e-10", "low: 0", "hyperparameters.eps.low", 4),
        ("low: 1.0e-10", "low: abc", "hyperparameters.eps.low", 4),
        ("high: 0.999}", "high: 1.0}", "hyperparameters.beta1.high", 5),
        ("beta2: 0.999", "rho: 0.9", "hyperparameters.rho", 6),
        ("beta2: 0.999", "beta2: 1.5", "hyperparameters.beta2", 6),
        (
            "low: 0.5, high: 1.0",
            "low: 1.0, high: 0.5",
            "schedule.hyperparameters.decay_fraction.low",
            11,
        ),
        ("high: 0.1}", "high: 2.0}", "schedule.hyperparameters.end_factor", 10),
        ("name: linear_decay", "name: linear", "schedule.name", 8),
        ("optimizer: adam", "optimizer: adamw", "optimizer", 1),
        (
            "beta2: 0.999",
            "beta2: {scale: log, low: 0.9, hihg: 0.99}",
            "hyperparameters.beta2.hihg",
            6,
        ),
    ],
)
def test_yaml_errors_name_the_field_and_its_line(old, new, field, line):
    with pytest.raises(InvalidParameterError) as info:
        SearchSpace.from_yaml(ADAM_YAML.replace(old, new), source="adam.yaml")
    assert info.value.parameter == field
    assert f"line {line} of adam.yaml" in str(info.value)
    assert info.value.line == line


def test_rho_error_lists_adams_hyperparameters():
    with pytest.raises(InvalidParameterError) as info:
        SearchSpace.from_yaml(ADAM_YAML.replace("beta2: 0.999", "rho: 0.9"))
    assert "a hyperparameter of adam" in str(info.value) and "beta2" in str(info.value)


def test_yaml_syntax_error_gives_the_line():
    text = ADAM_YAML.replace("\n  eps: {scale: log,", "\n  eps: [scale: log,")
    with pytest.raises(InvalidParameterError, match=r"valid YAML .* at line 4"):
        SearchSpace.from_yaml(text, source="adam.yaml")


def test_missing_required_learning_rate_is_reported():
    with pytest.raises(InvalidParameterError, match="hyperparameters.lr is missing"):
        SearchSpace("momentum", (Hyperparameter("momentum", "fixed", value=0.9),))


def test_lr_over_eps_needs_eps_in_the_space_and_excludes_lr():
    with pytest.raises(InvalidParameterError, match="hyperparameters.eps is missing"):
        SearchSpace("adam", (Hyperparameter("lr_over_eps", "log", 1.0, 10.0),))
    with pytest.raises(InvalidParameterError, match="one learning-rate axis"):
        SearchSpace(
            "adam",
            (
                Hyperparameter("lr", "log", 1e-4, 1e-2),
                Hyperparameter("lr_over_eps", "log", 1.0, 10.0),
                Hyperparameter("eps", "fixed", value=1.0),
            ),
        )


def test_derived_parametrization_needs_an_optimizer_with_eps():
    with pytest.raises(InvalidParameterError, match="a hyperparameter of sgd"):
        SearchSpace("sgd", (Hyperparameter("lr_over_eps", "log", 1.0, 10.0),))


def test_choice_values_are_checked_against_the_domain():
    with pytest.raises(InvalidParameterError, match=r"values of beta1 in \[0, 1\)") as info:
        SearchSpace(
            "adam",
            (
                Hyperparameter("lr", "fixed", value=1e-3),
                Hyperparameter("beta1", "choice", values=(0.9, 1.0)),
            ),
        )
    assert info.value.parameter == "hyperparameters.beta1.values"


def test_one_fixed_value_given_as_bare_scalar_or_mapping_is_the_same_space():
    bare = SearchSpace.from_yaml("optimizer: sgd\nhyperparameters: {lr: 0.1}\n")
    mapping = SearchSpace.from_yaml(
        "optimizer: sgd\nhyperparameters:\n  lr: {scale: fixed, value: 0.1}\n"
    )
    assert bare == mapping and bare.dimensions == ()
    assert bare.decode([]).hyperparameters == {"lr": 0.1}


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("  beta2: 1.0", "hyperparameters.beta2"),
        ("  beta2: {scale: choice, values: [0.99, 1.0]}", "hyperparameters.beta2.values"),
        ("  beta2: {scale: linear, low: 0.9, high: 1.5}", "hyperparameters.beta2.high"),
    ],
)
def test_a_value_outside_the_optimizers_range_is_rejected_at_load_with_its_line(line, field):
    text = f"optimizer: adam\nhyperparameters:\n  lr: 0.001\n{line}\n"
    with pytest.raises(InvalidParameterError, match=r"values of beta2 in \[0, 1\)") as info:
        SearchSpace.from_yaml(text, "adam.yaml")
    assert (info.value.parameter, info.value.line, info.value.source) == (field, 4, "adam.yaml")
    assert str(info.value).endswith("(line 4 of adam.yaml)")


def test_space_checks_read_the_optimizers_own_bounds(monkeypatch):
    from optbench.optimizers.base import Bounds
    from optbench.optimizers.rules import RMSProp

    space = "optimizer: rmsprop\nhyperparameters:\n  lr: 0.1\n  rho: 0.95\n"
    SearchSpace.from_yaml(space)
    monkeypatch.setitem(RMSProp.bounds, "rho", Bounds(0.0, 0.9))
    with pytest.raises(InvalidParameterError, match=r"values of rho in \[0, 0.9\]"):
        SearchSpace.from_yaml(space)


FLOORED = """optimizer: adam
hyperparameters:
  lr_over_eps: {scale: log, low: 0.01, high: 100.0}
  eps: {scale: log, low: 1.0e-8, high: 10.0}
  eps_floor: 1.0e-4
"""


def test_an_eps_floor_puts_a_floor_under_eps_in_the_derived_rate_only():
    space = SearchSpace.from_yaml(FLOORED)
    assert [name for name, _ in space.dimensions] == ["eps", "lr_over_eps"]
    small = space.decode((0.0, 0.5))  # eps = 1e-8 < floor: lr = 1 * 1e-4
    assert small.hyperparameters == pytest.approx({"eps": 1e-8, "lr": 1e-4}, rel=1e-12)
    large = space.decode((1.0, 0.5))  # eps = 10 > floor: lr = 1 * 10
    assert large.hyperparameters == pytest.approx({"eps": 10.0, "lr": 10.0}, rel=1e-12)
    assert "eps_floor" not in large.hyperparameters
    assert "lr = lr_over_eps * max(eps, 0.0001)" in space.describe()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  eps_floor: {scale: log, low: 1.0e-5, high: 1.0e-3}\n", "one fixed number > 0"),
        ("  eps_floor: -1.0\n", "one fixed number > 0"),
    ],
)
def test_an_eps_floor_is_one_fixed_positive_number(change, message):
    text = FLOORED.replace("  eps_floor: 1.0e-4\n", change)
    with pytest.raises(InvalidParameterError, match=message) as info:
        SearchSpace.from_yaml(text, "f.yaml")
    assert info.value.line == 5


def test_an_eps_floor_needs_a_derived_learning_rate():
    text = "optimizer: adam\nhyperparameters:\n  lr: 0.001\n  eps_floor: 1.0e-4\n"
    with pytest.raises(InvalidParameterError, match="no eps_floor without lr_over_eps"):
        SearchSpace.from_yaml(text)
