"""Export for publication: optional near-duplicate removal, then the data file and its dataset card;
and the folder a Hugging Face dataset repository holds, uploaded with `huggingface_hub.HfApi`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.export.writer import export
from tutorforge.quality.card import CardFacts, card_path, render_card
from tutorforge.quality.metrics import find_near_duplicates, store_figures
from tutorforge.quality.minhash import THRESHOLD
from tutorforge.quality.report import write_atomic
from tutorforge.storage.store import Store


@dataclass(frozen=True)
class Published:
    written: int  # records in the data file
    dropped: int  # dialogues left out as near-duplicates
    card: Path | None


def publish(
    store: Store,
    fmt: str,
    out: Path,
    include: str = "approved",
    *,
    run_id: str | None = None,
    dedup: bool = False,
    threshold: float = THRESHOLD,
    card: bool = True,
    license: str | None = None,
) -> Published:
    """Export like `export`; with `dedup`, leave out all but the first dialogue of each near-duplicate
    cluster; with `card`, write the dataset card beside `out` (its path is settled before anything is
    written, and it is written atomically after the data)."""
    target = card_path(out) if card else None
    near = find_near_duplicates(store.iter_dialogues(include, run_id), threshold) if dedup else None
    exclude = near.dropped() if near is not None else frozenset()
    facts = CardFacts(near_duplicates=near is None) if card else None
    written = export(
        store, fmt, out, include, run_id=run_id, exclude=exclude, on_record=facts.add if facts else None
    )
    if target is not None and facts is not None:
        dataset_card = render_card(
            data_file=Path(out),
            fmt=fmt,
            include=include,
            records=written,
            facts=facts,
            store=store_figures(store),
            dropped=near.figures() if near is not None else None,
            license=license,
            spread=store.run_parts(),
        )
        write_atomic(target, str(dataset_card))
    return Published(written, len(exclude), target)


# --- the Hugging Face Hub ---

TOKEN_ENV = "HF_TOKEN"
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_RERUN = "the corpus is unchanged: rerun the same publish command to upload it"
_DATA_NAME = {"parquet": "train.parquet"}  # the data file in the published folder (default train.jsonl)


def check_repo_id(repo: str) -> str:
    """`OWNER/NAME` as the Hub spells repository ids; bad input otherwise."""
    if not _REPO_ID.fullmatch(repo) or ".." in repo or repo.endswith((".git", ".")):
        raise BadInput(f"--repo {repo[:200]!r}: expected OWNER/NAME (letters, digits, '.', '_', '-')")
    return repo


def hub_token(environ: Mapping[str, str]) -> str:
    """The Hub token from the environment (never from a file, never written anywhere)."""
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise BadInput(
            f"publish: set {TOKEN_ENV} to a Hugging Face token with write access "
            "(or use --to DIR to write the folder without uploading)"
        )
    return token


def write_folder(
    store: Store, folder: Path, fmt: str, include: str = "approved", *, dedup: bool = False
) -> Published:
    """The folder a dataset repository holds: the data file (`train.jsonl`, or `train.parquet`) and its
    card as README.md. The folder is created if absent; files tutorforge did not write are kept."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--to {folder}: is not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--to {folder}: cannot create it ({exc.strerror})") from None
    out = folder / _DATA_NAME.get(fmt, "train.jsonl")
    return publish(store, fmt, out, include, dedup=dedup)


def upload_folder(folder: Path, repo: str, token: str, *, private: bool = False) -> str:
    """Create the dataset repository `repo` (if absent) and commit the folder to it; its URL.

    `HF_ENDPOINT` names another Hub. A missing or refused token is bad input; any other failure of the
    Hub or the network is a runtime failure (the folder is untouched, so a rerun uploads it again)."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import httpx  # the HTTP client of this huggingface_hub version

    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    try:
        url = api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo,
            repo_type="dataset",
            folder_path=folder,
            commit_message="Publish a tutorforge export",
        )
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        message = _first_line(str(exc).replace(token, "[redacted]"))
        if status in (401, 403):
            raise BadInput(f"--repo {repo}: the Hub refused the token in {TOKEN_ENV} ({message})") from None
        raise RuntimeFailure(f"--repo {repo}: the Hub answered {status}: {message}; {_RERUN}") from None
    except (OSError, httpx.HTTPError) as exc:
        raise RuntimeFailure(
            f"--repo {repo}: cannot reach the Hub ({_first_line(str(exc))}); {_RERUN}"
        ) from None
    return str(url)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "no detail"
