"""Import paths: a user's class or object named by where it lives, so that any process loads it.

Three forms name an object (importing its module runs the module's code, which is the point):

- ``package.module.Name``: a module importable in this process, then an attribute of it
  (``torch.optim.AdamW``); the longest importable prefix is the module, so nested attributes
  work too (``package.module.Outer.Inner``);
- ``package.module:Name``: the same, with the module said explicitly;
- ``path/to/file.py:Name``: a Python file, relative to ``base`` (the folder of the file that
  names it, or the working directory); no installation needed.

:func:`canonical` gives the one spelling stored and compared: the dotted form for a module, the
absolute path for a file, so that ``torch.optim:AdamW`` and ``torch.optim.AdamW`` are one name
and a file is found again from any working directory (on another machine, at the same path).

>>> canonical("torch.optim:AdamW")
'torch.optim.AdamW'
>>> is_import_path("adam"), is_import_path("torch.optim.AdamW")
(False, True)
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from optbench.errors import InvalidParameterError, raised

EXAMPLES = "an import path such as torch.optim.AdamW, mypkg.optim:Lion or ./lion.py:Lion"
#: The start of the module name a file given by path is loaded under.
FILE_MODULE_PREFIX = "optbench_file_"


def is_import_path(text: object) -> bool:
    """Whether ``text`` is an import path rather than a registered name (names hold no dot,
    colon or slash)."""
    return isinstance(text, str) and any(mark in text for mark in ".:/")


def _split(text: str) -> tuple[str, str]:
    """(module or file, attribute path) of a ``X:Y`` path, ("", text) of a dotted one."""
    where, colon, attribute = text.rpartition(":")
    if not colon:
        return "", text
    return where, attribute


def _is_file(where: str) -> bool:
    return where.endswith(".py")


def _check_form(parameter: str, text: str) -> tuple[str, str]:
    where, attribute = _split(text)
    parts = attribute.split(".")
    if not all(part.isidentifier() for part in parts) or (not where and len(parts) < 2):
        raise InvalidParameterError(parameter, text, EXAMPLES)
    if where and not _is_file(where) and not all(p.isidentifier() for p in where.split(".")):
        raise InvalidParameterError(parameter, text, f"{EXAMPLES} (a module is dotted names)")
    return where, attribute


def canonical(text: str, base: str | os.PathLike | None = None, parameter: str = "path") -> str:
    """The stored spelling of the import path ``text`` (module docstring); a relative file is
    taken from ``base`` (default: the working directory)."""
    where, attribute = _check_form(parameter, text)
    if _is_file(where):
        folder = Path(base) if base is not None else Path.cwd()
        path = Path(os.path.expanduser(where))
        return f"{os.path.abspath(path if path.is_absolute() else folder / path)}:{attribute}"
    return f"{where}.{attribute}" if where else attribute


def _file_module(path: str, parameter: str, text: str) -> Any:
    """The module of the Python file at ``path``, loaded once per process under a name made
    from its path (so the same file always gives the same classes)."""
    digest = hashlib.sha256(path.encode()).hexdigest()[:12]
    name = f"{FILE_MODULE_PREFIX}{Path(path).stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    if not os.path.isfile(path):
        raise InvalidParameterError(parameter, text, f"an existing Python file ({path} is not one)")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        del sys.modules[name]
        raise _import_failed(parameter, text, error) from error
    return module


def _import_failed(parameter: str, text: str, error: BaseException) -> InvalidParameterError:
    expected = f"an importable path (importing it raised {raised(error)})"
    return InvalidParameterError(parameter, text, expected)


def _module(name: str, parameter: str, text: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise
        raise _import_failed(parameter, text, error) from error
    except Exception as error:  # the module's own code raised
        raise _import_failed(parameter, text, error) from error


def _attribute(owner: Any, names: list[str], parameter: str, text: str) -> Any:
    value = owner
    for name in names:
        if not hasattr(value, name):
            where = getattr(value, "__name__", type(value).__name__)
            if where.startswith(FILE_MODULE_PREFIX):
                where = value.__file__
            lowered = {attr.lower(): attr for attr in dir(value) if not attr.startswith("_")}
            close = [lowered[a] for a in difflib.get_close_matches(name.lower(), lowered, n=3)]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InvalidParameterError(parameter, text, f"a path to an object ({where} has no "
                                        f"attribute {name!r}{hint})")  # fmt: skip
        value = getattr(value, name)
    return value


def load(text: str, base: str | os.PathLike | None = None, parameter: str = "path") -> Any:
    """The object the import path ``text`` names; one clear error when it cannot be imported
    (no such module or file, the module raised, no such attribute)."""
    path = canonical(text, base, parameter)
    where, attribute = _split(path)
    names = attribute.split(".")
    if _is_file(where):
        return _attribute(_file_module(where, parameter, text), names, parameter, text)
    for cut in range(len(names) - 1, 0, -1):  # the longest importable module prefix
        module_name = ".".join(names[:cut])
        try:
            module = _module(module_name, parameter, text)
        except ModuleNotFoundError:
            continue
        return _attribute(module, names[cut:], parameter, text)
    expected = (f"an importable path (no module {names[0]!r} in this Python: install it on "
                "every machine that runs trials, or put it on PYTHONPATH)")  # fmt: skip
    raise InvalidParameterError(parameter, text, expected)
