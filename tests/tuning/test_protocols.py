"""Protocol presets: what each one searches and fixes, scaling, loading files, errors."""

import textwrap

import pytest
import torch

from optbench import optimizers, schedules
from optbench.errors import InvalidParameterError
from optbench.tuning.protocols import (
    describe_protocols,
    is_protocol_file,
    list_protocols,
    load_preset,
    load_protocol,
)

SIX = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"]
DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "rho": 0.9}


def test_the_four_presets_are_listed_in_spec_order_with_six_optimizers_each():
    assert list_protocols() == ["lr-grid", "lr-only", "lr-schedule", "full"]
    for name in list_protocols():
        protocol = load_protocol(name)
        assert protocol.name == name and list(protocol.spaces) == SIX
    table = describe_protocols()
    assert all(name in table for name in list_protocols())
    assert "grid           36 trials" in table


@pytest.mark.parametrize("name", ["lr-grid", "lr-only", "lr-schedule"])
def test_learning_rate_protocols_fix_everything_else_at_the_usual_defaults(name):
    protocol = load_protocol(name)
    for optimizer, space in protocol.spaces.items():
        assert [n for n, _ in space.dimensions if not n.startswith("schedule.")] == ["lr"]
        for h in space.hyperparameters:
            if h.name != "lr":
                assert (h.scale, h.value) == ("fixed", DEFAULTS[h.name]), (optimizer, h.name)
        expected = {"sgd": set(), "momentum": {"momentum"}, "nesterov": {"momentum"}}
        fixed = {h.name for h in space.hyperparameters} - {"lr"}
        assert fixed == expected.get(optimizer, set(optimizers.hyperparameters(optimizer)) - {"lr"})


def test_lr_grid_is_deepobs_grid_and_is_not_scaled():
    protocol = load_protocol("lr-grid")
    assert (protocol.sampler, protocol.trials, protocol.base_lr) == ("grid", 36, None)
    lr = protocol.space("adam", base_lr=0.05).get("lr")
    assert (lr.scale, lr.low, lr.high) == ("log", 1e-5, 100.0)
    assert protocol.spaces["adam"].schedule == "constant"


def test_lr_schedule_tunes_linear_decay_and_full_tunes_everything():
    wilson = load_preset("lr-schedule", "momentum")
    assert wilson.schedule == "linear_decay"
    assert [n for n, _ in wilson.dimensions] == [
        "lr",
        "schedule.decay_fraction",
        "schedule.end_factor",
    ]
    full = load_protocol("full")
    adam = full.spaces["adam"]
    assert [n for n, _ in adam.dimensions][:4] == ["beta1", "beta2", "eps", "lr_over_eps"]
    eps = adam.get("eps")
    assert (eps.scale, eps.low, eps.high) == ("log", 1e-8, 1e3)
    assert adam.get("schedule.end_factor").low == 1e-4
    for optimizer, space in full.spaces.items():
        assert all(h.scale != "fixed" for h in space.hyperparameters), optimizer
        assert set(optimizers.hyperparameters(optimizer)) <= {
            h.name.replace("lr_over_sqrt_eps", "lr").replace("lr_over_eps", "lr")
            for h in space.hyperparameters
        }


def test_base_lr_scales_learning_rate_axes_relative_to_the_preset():
    protocol = load_protocol("full")
    assert protocol.base_lr == 0.1
    scaled = load_preset("full", "adam", base_lr=0.05)  # half the preset's 0.1
    assert scaled.get("lr_over_eps").low == pytest.approx(0.0005)
    assert scaled.get("lr_over_eps").high == pytest.approx(5e5)
    assert scaled.get("eps") == protocol.spaces["adam"].get("eps")
    assert load_preset("lr-only", "sgd", base_lr=1.0).get("lr").high == pytest.approx(1000.0)
    with pytest.raises(InvalidParameterError, match="base_lr"):
        load_preset("full", "sgd", base_lr=-1.0)


@pytest.mark.parametrize("name", ["lr-grid", "lr-only", "lr-schedule", "full"])
def test_every_preset_point_builds_an_optimizer_and_a_schedule(name):
    protocol = load_protocol(name)
    for optimizer in protocol.spaces:
        sampler = protocol.sampler_for(optimizer, seed=0)
        for i in (0, protocol.trials - 1):
            point = sampler(i)
            parameter = torch.nn.Parameter(torch.zeros(2))
            created = optimizers.create(optimizer, [parameter], **point.hyperparameters)
            assert created.param_groups[0]["lr"] == point.hyperparameters["lr"]
            schedule = schedules.build(point.schedule, 100, **point.schedule_params)
            assert schedule(0) == 1.0


def test_unknown_protocol_and_optimizer_suggest_close_names():
    with pytest.raises(InvalidParameterError, match="did you mean 'lr-only'"):
        load_protocol("lr_only")
    with pytest.raises(InvalidParameterError, match="did you mean 'adam'"):
        load_preset("full", "adamw")


PROTOCOL = textwrap.dedent(
    """\
    name: mine
    sampler: grid
    trials: 4
    base_lr: 0.1
    schedule:
      name: constant
    spaces:
      adam:
        lr: {scale: log, low: 1.0e-4, high: 0.1}
        beta1: {scale: choice, values: [0.9, 0.99]}
    """
)


def test_a_protocol_file_loads_by_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(PROTOCOL)
    protocol = load_protocol(path)
    assert protocol.name == "mine" and protocol.trials == 4
    sampler = protocol.sampler_for("adam")
    assert sorted(sampler(i).hyperparameters["beta1"] for i in range(4)) == [0.9, 0.9, 0.99, 0.99]


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ("values: [0.9, 0.99]", "values: [0.9, 1.0]", "spaces.adam.beta1.values", 10),
        ("low: 1.0e-4", "low: -1.0", "spaces.adam.lr.low", 9),
        ("trials: 4", "trials: 5", "trials", 3),
        ("sampler: grid", "sampler: sobol", "sampler", 2),
        ("name: constant", "name: cosinus", "schedule.name", 6),
        # booleans are not numbers, and every size is bounded
        ("trials: 4", "trials: true", "trials", 3),
        ("trials: 4", "trials: 10001", "trials", 3),
        ("base_lr: 0.1", "base_lr: true", "base_lr", 4),
        ("base_lr: 0.1", f"base_lr: {10**400}", "base_lr", 4),
        ("low: 1.0e-4", "low: true", "spaces.adam.lr.low", 9),
        ("high: 0.1", "high: 1" + "0" * 400, "spaces.adam.lr.high", 9),
        ("values: [0.9, 0.99]", "values: [true, 0.99]", "spaces.adam.beta1.values", 10),
        ("beta1: {scale: choice, values: [0.9, 0.99]}", "beta1: false", "spaces.adam.beta1", 10),
        ("values: [0.9, 0.99]", f"values: {[i / 2000 for i in range(1001)]}",
         "spaces.adam.beta1.values", 10),
        ("name: mine", "name: 12", "name", 1),
        ("name: mine", "name: mine\ndescription: [a]", "description", 2),
    ],
)  # fmt: skip
def test_protocol_file_errors_name_the_field_and_its_line(tmp_path, old, new, field, line):
    path = tmp_path / "mine.yaml"
    path.write_text(PROTOCOL.replace(old, new))
    with pytest.raises(InvalidParameterError) as info:
        load_protocol(path)
    assert info.value.parameter == field
    assert f"line {line} of {path}" in str(info.value)


@pytest.mark.parametrize(
    ("name", "is_file"),
    [("full", False), ("lr-only", False), ("full.yaml", True), ("p.yml", True),
     ("./full", True), ("protocols/full", True), ("~/p.yaml", True)],
)  # fmt: skip
def test_a_protocol_is_a_file_when_its_name_says_so_never_because_a_file_exists(name, is_file):
    assert is_protocol_file(name) is is_file


def test_a_file_called_like_a_preset_does_not_replace_the_preset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "full").write_text(PROTOCOL)
    assert load_protocol("full").name == "full"
    assert load_protocol("./full").name == "mine"


def test_a_missing_protocol_file_is_an_error_naming_its_path(tmp_path):
    with pytest.raises(InvalidParameterError) as info:
        load_protocol(str(tmp_path / "full.yaml"))
    assert (info.value.parameter, info.value.value) == ("protocol", str(tmp_path / "full.yaml"))
    assert info.value.expected == "a readable YAML file (No such file or directory)"
