"""Finding a dataset on disk, and the one error that says where we looked and what to run.

A path given by the caller (a directory, or for one-file datasets the file) is the only place
searched: the data is there or the error says so, never found elsewhere instead. Without one,
the search order is (the first directory that holds every file of the dataset wins):

1. ``$OPTBENCH_DATA/<name>``;
2. the cache, ``$XDG_CACHE_HOME/optbench/<name>`` (by default ``~/.cache/optbench/<name>``),
   where ``optbench data fetch`` writes;
3. known system locations, e.g. ``/usr/share/datasets/fashion-mnist`` from Debian.

Each file is accepted compressed (``x.gz``) or raw (``x``), and an archive also as the folder
it unpacks to when that folder holds the archive's members (``cifar-10-batches-py/`` for
``cifar-10-python.tar.gz``). For a one-file dataset the path given may be that folder itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from optbench.data.formats import DataFormatError, listed
from optbench.data.sources import DatasetSource, RemoteFile, get_source


class DataNotFoundError(FileNotFoundError):
    """A dataset that is in none of the places optbench searches."""

    def __init__(self, source: DatasetSource, looked: list[tuple[Path, str]]) -> None:
        self.source = source
        self.looked = looked
        places = "; ".join(f"{where} ({why})" for where, why in looked)
        message = f"{source.title} ({source.name!r}) was not found in: {places}. "
        if source.manual:
            message += source.manual
        else:
            message += f"Get it with `optbench data fetch {source.name}`"
            if source.system_install:
                message += f", or as root on Debian/Ubuntu `{source.system_install}`"
            message += ", or pass the directory that holds the files (--data-path)."
        super().__init__(message)

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


def holds_members(directory: Path, remote: RemoteFile) -> bool:
    """Whether ``directory`` is an unpacked copy of archive ``remote``: it exists and holds
    every one of its members (any folder, when the archive lists none)."""
    return directory.is_dir() and all((directory / m).is_file() for m in remote.members)


def check_unpacked(directory: Path, remote: RemoteFile) -> None:
    """Raise :class:`DataFormatError` when ``directory`` or its subfolder ``remote.extracted``
    is an incomplete unpacked copy of archive ``remote``: a folder of that name, or one holding
    some of its members, that lacks others."""
    folders = [directory] + ([directory / remote.extracted] if remote.extracted else [])
    for folder in folders:
        if not remote.members or not folder.is_dir():
            continue
        missing = [m for m in remote.members if not (folder / m).is_file()]
        named = folder.name == remote.extracted
        if missing and (named or len(missing) < len(remote.members)):
            lacks = listed(missing)
            raise DataFormatError(folder, f"has no {lacks}: an incomplete copy of {remote.name}")


def find_copy(directory: Path, remote: RemoteFile) -> Path | None:
    """``remote`` in ``directory``: the file (compressed or raw), else its unpacked folder."""
    found = find_file(directory, (remote.name, remote.raw_name))
    if found is None and remote.extracted and holds_members(directory / remote.extracted, remote):
        found = directory / remote.extracted
    return found


def locate(name: str | DatasetSource, path: Path | str | None = None) -> dict[str, Path]:
    """The files of dataset ``name``: a dict from each file's official name to its path (for
    an archive, the archive or the folder it unpacks to).

    Raises :class:`DataNotFoundError` listing every place searched and the fetch command, or,
    for a path given that holds an incomplete unpacked archive (a CIFAR batch or an LM1B
    shard missing), :class:`DataFormatError` naming the folder and what it lacks.
    """
    source = get_source(name) if isinstance(name, str) else name
    looked: list[tuple[Path, str]] = []
    single = source.files[0] if len(source.files) == 1 else None
    for directory, why in candidates(source, path):
        if single is not None and directory.is_file():
            return {single.name: directory}
        if single is not None and single.members and holds_members(directory, single):
            return {single.name: directory}
        found = {f.name: find_copy(directory, f) for f in source.files}
        missing = [_describe(f) for f in source.files if found[f.name] is None]
        if not missing:
            return found  # type: ignore[return-value]
        if path is not None:  # the only place: a broken copy is refused for what it lacks
            for remote in source.files:
                check_unpacked(directory, remote)
        state = "no such directory" if not directory.is_dir() else f"missing {', '.join(missing)}"
        looked.append((directory, f"{why}: {state}"))
    raise DataNotFoundError(source, looked)


def _describe(remote: RemoteFile) -> str:
    if remote.extracted is None or remote.extracted == remote.name:
        return f"{remote.name}/" if remote.url is None else remote.name
    return f"{remote.name} (or its folder {remote.extracted}/)"
