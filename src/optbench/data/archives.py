"""Reading the members of a dataset archive, from the ``.tar.gz`` as downloaded or from the
folder it unpacks to, without ever extracting anything to disk.

Only regular files under the archive's top folder are read (links, devices and paths that
climb out with ``..`` are skipped), so a hostile archive cannot write or point anywhere. A
damaged archive raises :class:`~optbench.data.formats.DataFormatError` naming it.
"""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from optbench.data.formats import DataFormatError


def _inside(name: str, folder: str) -> str | None:
    """``name`` relative to ``folder`` when it lies strictly inside it, else None."""
    path = PurePosixPath(name)
    if ".." in path.parts or path.is_absolute():
        return None
    parts = path.parts[1:] if path.parts[:1] == (".",) else path.parts
    if len(parts) < 2 or parts[0] != folder:
        return None
    return "/".join(parts[1:])


def _from_archive(path: Path, folder: str, wanted: Callable[[str], bool]) -> Iterator:
    try:
        with tarfile.open(path, "r|*") as archive:  # streamed: one pass, no seeking
            for member in archive:
                inner = _inside(member.name, folder)
                if inner is None or not member.isfile() or not wanted(inner):
                    continue
                stream = archive.extractfile(member)
                yield inner, stream.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DataFormatError(path, f"is not a readable tar archive ({error})") from None


def member_sizes(path: Path | str, folder: str) -> dict[str, int]:
    """The size of each regular file under ``folder``, by its path inside it, from the archive
    (its headers: one streamed pass, nothing kept) or the unpacked ``folder`` at ``path``."""
    path = Path(path)
    if path.is_dir():
        files = (p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        return {f.relative_to(path).as_posix(): f.stat().st_size for f in files}
    sizes = {}
    try:
        with tarfile.open(path, "r|*") as archive:
            for member in archive:
                inner = _inside(member.name, folder)
                if inner is not None and member.isfile():
                    sizes[inner] = member.size
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DataFormatError(path, f"is not a readable tar archive ({error})") from None
    return sizes


def _from_folder(path: Path, wanted: Callable[[str], bool]) -> Iterator:
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
        inner = file.relative_to(path).as_posix()
        if wanted(inner):
            try:
                yield inner, file.read_bytes()
            except OSError as error:
                raise DataFormatError(file, f"cannot be read ({error})") from None


def read_members(
    path: Path | str, folder: str, wanted: Callable[[str], bool]
) -> Iterator[tuple[str, bytes]]:
    """``(name, content)`` of each file for which ``wanted(name)`` is true, ``name`` being its
    path inside ``folder``; ``path`` is the archive or the unpacked ``folder`` itself. An
    archive yields in its stored order, a folder in sorted order."""
    path = Path(path)
    if path.is_dir():
        return _from_folder(path, wanted)
    return _from_archive(path, folder, wanted)


def member_label(path: Path | str, name: str) -> str:
    """How an error names member ``name`` of ``path``: ``archive.tar.gz:folder/name`` for an
    archive, the member's own path for a folder."""
    path = Path(path)
    return str(path / name) if path.is_dir() else f"{path}:{name}"
