"""Reading a run config file (run.toml) for `generate --config`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tutorforge.errors import BadInput


def load_run_config(path: Path) -> dict:
    """The settings of a run.toml, as a dict for GenerateConfig; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the run config ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: {exc}") from None
    return data.get("generate", data)
