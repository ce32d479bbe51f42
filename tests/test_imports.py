"""Import paths: the three forms, their one stored spelling, and one clear error each."""

from __future__ import annotations

import os

import pytest

from optbench import imports
from optbench.errors import InvalidParameterError


def test_a_module_path_has_one_spelling_whichever_form_is_written():
    assert imports.canonical("torch.optim:AdamW") == imports.canonical("torch.optim.AdamW")
    assert imports.canonical("torch.optim.AdamW") == "torch.optim.AdamW"
    import torch

    assert imports.load("torch.optim:AdamW") is torch.optim.AdamW
    assert imports.load("torch.optim.lr_scheduler.LambdaLR") is torch.optim.lr_scheduler.LambdaLR


def test_a_file_path_is_stored_absolute_and_loads_once(tmp_path):
    (tmp_path / "mine.py").write_text("LOADS = []\nLOADS.append(1)\nclass Thing:\n    pass\n")
    path = imports.canonical("./mine.py:Thing", base=tmp_path)
    assert path == f"{tmp_path}{os.sep}mine.py:Thing"
    first, again = imports.load("mine.py:Thing", base=tmp_path), imports.load(path)
    assert first is again and first.__name__ == "Thing"
    assert imports.load(f"{path[:-len(':Thing')]}:LOADS") == [1]  # the module ran once


def test_names_are_not_paths():
    assert [imports.is_import_path(n) for n in ("adam", "a.b", "x:y", "./f.py:C")] == [
        False, True, True, True
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nosuchmodule.thing.X", "no module 'nosuchmodule' in this Python"),
        ("torch.optim.NoSuchOptimizer", "torch.optim has no attribute 'NoSuchOptimizer'"),
        ("torch.optim.Adamw", r"'Adamw'; did you mean AdamW, Adam, RAdam\?"),
        ("./ok.py:Y", r"ok\.py has no attribute 'Y'\)"),
        ("./missing.py:X", "an existing Python file"),
        ("./raises.py:X", "importing it raised ZeroDivisionError: division by zero"),
        ("./ok.py:1X", "an import path such as"),
        ("torch", "an import path such as"),
    ],
)
def test_a_path_that_cannot_be_loaded_is_one_clear_error(tmp_path, path, message):
    (tmp_path / "raises.py").write_text("X = 1 / 0\n")
    (tmp_path / "ok.py").write_text("X = 1\n")
    with pytest.raises(InvalidParameterError, match=message) as caught:
        imports.load(path, base=tmp_path, parameter="optimizer")
    assert str(caught.value).startswith("optimizer=") and "\n" not in str(caught.value)
