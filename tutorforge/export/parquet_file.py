"""A Parquet file of chat records (`{"messages", "metadata"}`), written atomically with an explicit schema.

The schema is fixed here rather than inferred, so every file has the same column types whatever the
dialogues hold (an empty list is still a list of structs), and `datasets.load_dataset("parquet")` and
pandas read the records the JSONL export writes. A record whose keys differ from the schema's is an
error, never silently cut: the schema must follow `export_records.metadata`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tutorforge.export.jsonl_file import AtomicJsonl
from tutorforge.export.records import ROLES, STATUSES

_STR = pa.string()
_INT = pa.int64()


def _struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct([pa.field(name, kind, nullable=False) for name, kind in fields.items()])


MESSAGE = _struct(role=_STR, content=_STR)
METADATA = _struct(
    dialogue_id=_STR,
    run_id=_STR,
    index=_INT,
    problem_id=_STR,
    problem_source=_STR,
    family=_STR,
    subject=_STR,
    difficulty=_INT,
    personas=_struct(**{role: _struct(name=_STR, version=_STR) for role in ROLES}),
    backend=_STR,
    models=_struct(**dict.fromkeys(ROLES, _STR)),
    seed=_INT,
    verifier_version=_STR,
    verdict_summary=_struct(
        turns=_struct(**dict.fromkeys(STATUSES, _INT)),
        flags=pa.list_(_struct(kind=_STR, count=_INT)),
    ),
    status=_STR,
    end_reason=_STR,
    n_turns=_INT,
    review_status=_STR,
    review_reasons=pa.list_(_STR),
    reviewer=_STR,
    edited=pa.bool_(),
    generator_labels=pa.list_(_struct(turn=_INT, role=_STR, kind=_STR, misconception=_STR, detail=_STR)),
    moves=pa.list_(_struct(turn_index=_INT, move=_STR, target=_STR)),
    student_name=_STR,
    misconception=_STR,
    opening=_STR,
    tutorforge_version=_STR,
    run_config=_STR,
)
SCHEMA = pa.schema(
    [pa.field("messages", pa.list_(MESSAGE), nullable=False), pa.field("metadata", METADATA, nullable=False)]
)
ROW_GROUP = 2048  # records per row group: bounded memory, and large enough to read fast


def _keys(kind: pa.DataType) -> frozenset[str]:
    return frozenset(kind.field(i).name for i in range(kind.num_fields))


_TOP_KEYS = frozenset(SCHEMA.names)
_METADATA_KEYS = _keys(METADATA)


class AtomicParquet(AtomicJsonl):
    """`with AtomicParquet(out) as f: f.write(record)`: `out` appears complete when the block ends, or not
    at all; the same output checks, temp file and rename as the JSONL writer."""

    def __init__(self, out: Path) -> None:
        super().__init__(out)
        self._rows: list[dict] = []
        self._writer: pq.ParquetWriter | None = None

    def write(self, obj: dict) -> None:
        """Append one record (written out a row group at a time)."""
        if obj.keys() != _TOP_KEYS or obj["metadata"].keys() != _METADATA_KEYS:
            extra = (set(obj) ^ _TOP_KEYS) or (set(obj["metadata"]) ^ _METADATA_KEYS)
            raise ValueError(f"a record's fields differ from the Parquet schema's: {sorted(extra)}")
        self._rows.append(obj)
        self.count += 1
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def part_path(self) -> Path:
        raise NotImplementedError("a Parquet export is written by one process")

    def _flush(self) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._fh, SCHEMA, compression="zstd")
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=SCHEMA))
            self._rows = []

    def _finish(self) -> Path:
        self._flush()  # an empty export is still a file with the schema
        self._writer.close()
        return super()._finish()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and self._writer is not None:
            self._writer.close()
        super().__exit__(exc_type, exc, tb)


def read_records(path: Path) -> list[dict]:
    """The records of a Parquet export, as the JSONL export has them."""
    return pq.read_table(path, schema=SCHEMA).to_pylist()
