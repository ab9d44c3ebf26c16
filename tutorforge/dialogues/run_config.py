"""Run config files (run.toml) for `generate --config`: every setting of the command line, plus weighted
mixtures, per-role models and per-model rate limits. Flags given on the command line override the file.

```toml
n = 10000
seed = 7
max_turns = 16
db = "corpus.db"            # also: out, format, shard ("I/N" or "auto"), limits_per_shard
model = "gpt-4.1-mini"      # every role, unless [models] names the role's own

[models]
teacher = "gpt-4.1"

[sampling.critic]           # temperature and max_tokens per role
temperature = 0.0

[mix.student]               # also [mix.teacher], [mix.critic], [mix.family], [mix.subject]
sign-slipper = 2
careful-student = 1

[rate_limits."gpt-4.1"]     # "*" for every model without its own
requests_per_minute = 500
tokens_per_minute = 200000
```

The keys are `GenerateConfig`'s fields, so the effective config stored with a run reads as a run config
too. Paths (`problems_file`, `personas_dirs`, `db`, `out`) are taken as written, relative to the current
folder like the flags, so a run's id does not depend on where its files are mounted. Every error names
the file, the line and the field: `run.toml:12: mix.student.sign-slipr: unknown student persona ...`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.mixture import Mix, MixError, Mixture
from tutorforge.errors import BadInput
from tutorforge.inputs import InputError, TomlError, read_toml_file
from tutorforge.llm.ratelimit import RateLimit
from tutorforge.personas.toml_lines import key_line

ROLES = ("teacher", "student", "critic")
OUTPUT_KEYS = ("db", "out", "format")
# A mixture table and the plain setting that names one value instead (a file may hold only one of them).
MIX_OR_SETTING = {
    "teacher": "teacher",
    "student": "student",
    "critic": "critic",
    "family": "families",
    "subject": "subject",
}
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")


@dataclass
class RunFile:
    """A parsed run config: `settings` for GenerateConfig, `output` (db, out, format) for the command."""

    path: Path
    text: str
    settings: dict = field(default_factory=dict)
    output: dict[str, str] = field(default_factory=dict)

    def error(self, where: Sequence[str | int], message: str) -> BadInput:
        """BadInput `file:line: field: message` for the setting at path `where`."""
        line = key_line(self.text, [str(part) for part in where])
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        return BadInput(f"{self.path}:{line}: {name}: {message}")

    def check_mixture(self, config: GenerateConfig) -> None:
        """Check the mixture's names against the personas, families and subjects the run can see."""
        if config.mix.is_empty():
            return
        from tutorforge.personas.loader import load_registry

        chosen = {role: getattr(config, role) for role in ROLES}
        try:
            Mixture(
                config.mix,
                load_registry(config.personas_dirs),
                subject=config.subject,
                families=config.families,
                chosen=chosen,
                generate_problems=not config.problems_file,
            )
        except MixError as exc:
            raise self.error(exc.field, exc.detail) from None


def load_run_config(path: Path) -> RunFile:
    """Read and validate a run.toml (unknown keys, wrong types, negative weights are errors)."""
    try:
        text, data = read_toml_file(path)
    except InputError as exc:
        raise BadInput(f"{path}: {exc}") from None
    except TomlError as exc:
        raise BadInput(f"{path}:{exc.line}: {_TOML_LINE.sub('', str(exc))}") from None
    run = RunFile(path, text)
    for key in OUTPUT_KEYS:
        if key in data:
            value = data.pop(key)
            if not isinstance(value, str) or not value:
                raise run.error([key], "should be a non-empty string")
            run.output[key] = value
    _check_format(run)
    _expand_models(run, data)
    _check_exclusive(run, data)
    try:
        GenerateConfig.model_validate(data, strict=True)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = _unknown_key(err["loc"])
        raise run.error(err["loc"], message) from None
    run.settings = data
    return run


def _unknown_key(loc: tuple) -> str:
    """'unknown key', with the closest known key of that table when there is one."""
    tables: dict[tuple, Sequence[str]] = {
        (): [*GenerateConfig.model_fields, *OUTPUT_KEYS, "model"],
        ("mix",): list(Mix.model_fields),
        ("rate_limits", "*"): list(RateLimit.model_fields),
    }
    table = loc[:-1] if loc[:1] != ("rate_limits",) else ("rate_limits", "*")
    close = difflib.get_close_matches(str(loc[-1]), tables.get(table, ()), n=1)
    return "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")


def _check_format(run: RunFile) -> None:
    fmt = run.output.get("format")
    if fmt is None:
        return
    from tutorforge.export.writer import FORMATS

    if fmt not in FORMATS:
        raise run.error(["format"], f"{fmt!r} is not one of {', '.join(FORMATS)}")


def _expand_models(run: RunFile, data: dict) -> None:
    """`model` (every role) and `[models]` (role -> model) become the config's `models`."""
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise run.error(["models"], "should be a table of role = model")
    for role, value in models.items():
        if role not in ROLES:
            raise run.error(["models", role], f"unknown role; roles are {', '.join(ROLES)}")
        if not isinstance(value, str):
            raise run.error(["models", role], "should be a model name (a string)")
    default = data.pop("model", None)
    if default is not None and not isinstance(default, str):
        raise run.error(["model"], "should be a model name (a string)")
    if default or models:
        data["models"] = {role: models.get(role) or default or "" for role in ROLES}


def _check_exclusive(run: RunFile, data: dict) -> None:
    """A mixture and the setting that fixes one value for the same thing cannot both be in the file."""
    mix = data.get("mix")
    if not isinstance(mix, dict):
        return
    for table, setting in MIX_OR_SETTING.items():
        if mix.get(table) and data.get(setting):
            raise run.error(["mix", table], f"the file also sets {setting}; keep one of the two")
