"""Python objects named in a subject pack: 'package.module:attribute' or 'file.py:attribute'.

A pack's Python code runs when the pack loads, like any installed plug-in: use packs you trust.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class RefError(Exception):
    """A reference that does not name an importable object; the message says why."""


def split(reference: str) -> tuple[str, str]:
    """(module or file, attribute) of a reference; RefError when it has neither form."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise RefError(f"'{reference}' is not 'package.module:name' or 'file.py:name'")
    return module_name, attribute


def check(reference: str, base: Path) -> None:
    """What can be checked of a reference without running any code: its form, that a 'file.py' exists,
    that the top package of a module is installed."""
    module_name, _ = split(reference)
    if module_name.endswith(".py"):
        if not (base / module_name).is_file():
            raise RefError(f"no such file: {base / module_name}")
    elif importlib.util.find_spec(module_name.partition(".")[0]) is None:
        raise RefError(f"cannot import '{module_name}' (no module named '{module_name.partition('.')[0]}')")


def resolve(reference: str, base: Path) -> object:
    """The object `reference` names; a 'file.py' module is looked up relative to the folder `base`."""
    module_name, attribute = split(reference)
    module = _from_file(base / module_name) if module_name.endswith(".py") else _import(module_name)
    obj: object = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise RefError(f"'{module_name}' has no attribute '{attribute}'") from None
    return obj


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise RefError(f"cannot import '{name}' ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # the module itself failed while running
        raise RefError(f"importing '{name}' failed ({type(exc).__name__}: {exc})") from None


def _from_file(path: Path) -> ModuleType:
    """A module loaded from a file beside a manifest, once per process (by resolved path)."""
    path = path.resolve()
    if not path.is_file():
        raise RefError(f"no such file: {path}")
    name = "tutorforge_pack_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RefError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise RefError(f"running {path.name} failed ({type(exc).__name__}: {exc})") from None
    return module
