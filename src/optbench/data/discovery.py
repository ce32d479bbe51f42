"""Finding a dataset on disk, and the one error that says where we looked and what to run.

A path given by the caller (a directory, or for one-file datasets the file) is the only place
searched: the data is there or the error says so, never found elsewhere instead. Without one,
the search order is (the first directory that holds every file of the dataset wins):

1. ``$OPTBENCH_DATA/<name>``;
2. the cache, ``$XDG_CACHE_HOME/optbench/<name>`` (by default ``~/.cache/optbench/<name>``),
   where ``optbench data fetch`` writes;
3. known system locations, e.g. ``/usr/share/datasets/fashion-mnist`` from Debian.

Each file is accepted compressed (``x.gz``) or raw (``x``).
"""

from __future__ import annotations

import os
from pathlib import Path

from optbench.data.sources import DatasetSource, get_source


class DataNotFoundError(FileNotFoundError):
    """A dataset that is in none of the places optbench searches."""

    def __init__(self, source: DatasetSource, looked: list[tuple[Path, str]]) -> None:
        self.source = source
        self.looked = looked
        lines = [f"{source.title} ({source.name!r}) was not found. optbench looked in:"]
        lines += [f"  {where}  ({why})" for where, why in looked]
        lines += ["Get it with:", f"  optbench data fetch {source.name}"]
        if source.system_install:
            lines.append(f"or, as root on Debian/Ubuntu:  {source.system_install}")
        lines.append("or pass the directory that holds the files (data_path=...).")
        super().__init__("\n".join(lines))

    def __str__(self) -> str:
        return self.args[0]


def _env_dir() -> Path | None:
    value = os.environ.get("OPTBENCH_DATA")
    return Path(value).expanduser() if value else None


def _xdg_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "optbench"


def cache_root() -> Path:
    """The directory ``optbench data fetch`` writes to unless told otherwise:
    ``$OPTBENCH_DATA`` when set, else the cache."""
    return _env_dir() or _xdg_dir()


def candidates(source: DatasetSource, path: Path | str | None = None) -> list[tuple[Path, str]]:
    """The directories searched for ``source``, in order, each with the reason it is searched:
    ``path`` alone when given."""
    if path is not None:
        return [(Path(path).expanduser(), "the path given")]
    places: list[tuple[Path, str]] = []
    if _env_dir() is not None:
        places.append((_env_dir() / source.name, "$OPTBENCH_DATA"))
    places.append((_xdg_dir() / source.name, "the cache"))
    places += [(Path(d), "system location") for d in source.system_dirs]
    return places


def find_file(directory: Path, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` that exists as a file in ``directory``."""
    for name in names:
        if (directory / name).is_file():
            return directory / name
    return None


def locate(name: str | DatasetSource, path: Path | str | None = None) -> dict[str, Path]:
    """The files of dataset ``name``: a dict from each file's official name to its path.

    Raises :class:`DataNotFoundError` listing every place searched and the fetch command.
    """
    source = get_source(name) if isinstance(name, str) else name
    looked: list[tuple[Path, str]] = []
    for directory, why in candidates(source, path):
        if directory.is_file() and len(source.files) == 1:
            return {source.files[0].name: directory}
        found = {f.name: find_file(directory, (f.name, f.raw_name)) for f in source.files}
        missing = [n for n, p in found.items() if p is None]
        if not missing:
            return found  # type: ignore[return-value]
        state = "no such directory" if not directory.is_dir() else f"missing {', '.join(missing)}"
        looked.append((directory, f"{why}: {state}"))
    raise DataNotFoundError(source, looked)
