"""Discovery order, accepted file names, and the missing-data message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from optbench.data import DataNotFoundError, DatasetSource, RemoteFile, cache_root, locate

SOURCE = DatasetSource(
    name="tiny",
    title="Tiny",
    format="text",
    homepage="https://example.org",
    licence="none",
    files=(
        RemoteFile("a.txt.gz", "https://example.org/a.txt.gz", None),
        RemoteFile("b.txt", "https://example.org/b.txt", None),
    ),
    system_install="apt-get install tiny-data",
)


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Four candidate directories, none populated; the cache and env point into tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("OPTBENCH_DATA", str(tmp_path / "env"))
    system = tmp_path / "system"
    return {
        "explicit": tmp_path / "explicit",
        "env": tmp_path / "env" / "tiny",
        "cache": tmp_path / "xdg" / "optbench" / "tiny",
        "system": system,
    }


def populate(directory: Path, raw: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ("a.txt" if raw else "a.txt.gz")).write_bytes(b"")
    (directory / "b.txt").write_bytes(b"")
    return directory


def source_with_system(places) -> DatasetSource:
    return dataclasses.replace(SOURCE, system_dirs=(str(places["system"]),))


@pytest.mark.parametrize(
    "present, expected",
    [
        (["env", "cache", "system"], "env"),
        (["cache", "system"], "cache"),
        (["system"], "system"),
    ],
)
def test_search_order(places, present, expected):
    for key in present:
        populate(places[key])
    found = locate(source_with_system(places))
    assert found["b.txt"] == places[expected] / "b.txt"


def test_a_path_given_is_used_whatever_else_holds_the_data(places):
    for key in ("explicit", "env", "cache", "system"):
        populate(places[key])
    found = locate(source_with_system(places), places["explicit"])
    assert found["b.txt"] == places["explicit"] / "b.txt"


def test_a_path_given_without_the_data_is_refused_not_replaced_by_another(places):
    for key in ("env", "cache", "system"):
        populate(places[key])
    with pytest.raises(DataNotFoundError) as caught:
        locate(source_with_system(places), places["explicit"])
    assert caught.value.looked == [(places["explicit"], "the path given: no such directory")]


def test_uncompressed_files_are_accepted(places):
    populate(places["cache"], raw=True)
    found = locate(source_with_system(places))
    assert found == {"a.txt.gz": places["cache"] / "a.txt", "b.txt": places["cache"] / "b.txt"}


def test_incomplete_directory_is_skipped(places):
    populate(places["system"])
    places["cache"].mkdir(parents=True)
    (places["cache"] / "b.txt").write_bytes(b"")
    assert locate(source_with_system(places))["b.txt"] == places["system"] / "b.txt"


def test_missing_data_message_lists_places_and_commands(places):
    places["cache"].mkdir(parents=True)
    (places["cache"] / "b.txt").write_bytes(b"")
    with pytest.raises(DataNotFoundError) as caught:
        locate(source_with_system(places))
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert message.startswith("Tiny ('tiny') was not found in: ")
    assert f"{places['env']} ($OPTBENCH_DATA: no such directory); " in message
    assert f"{places['cache']} (the cache: missing a.txt.gz); " in message
    assert f"{places['system']} (system location: no such directory). " in message
    assert "Get it with `optbench data fetch tiny`" in message
    assert "or as root on Debian/Ubuntu `apt-get install tiny-data`" in message
    assert isinstance(caught.value, FileNotFoundError)


def test_cache_root_prefers_optbench_data(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_DATA", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    monkeypatch.delenv("OPTBENCH_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "optbench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "optbench"
