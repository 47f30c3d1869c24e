"""One long metrics schema for every stage that measures something.

Each row is one number: `metric` names it, `value` holds it, and the other columns say where it
came from (null where a column does not apply).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hooke.atomic import atomic_file
from hooke.errors import HookeError

# The `setting` of each rebound run, said in hooke.variants; kept here for the scripts.
from hooke.variants import REBOUND_BALANCED, REBOUND_CONTROL  # noqa: F401
from hooke.variants import setting as rebound_setting  # noqa: F401

SCHEMA = pa.schema(
    [
        ("setting", pa.string()),  # resistance | rebound | scorer | ...
        ("base", pa.string()),  # the pre-trained model (a key of `bases`)
        ("task", pa.string()),  # the data set / task (a key of `tasks`)
        ("algorithm", pa.string()),  # sft | dpo | ...
        ("aligner", pa.string()),  # the alignment step of a rebound run (rebound.aligners)
        ("direction", pa.string()),  # positive_first | negative_first
        ("n_pos", pa.int64()),  # positive examples seen
        ("n_neg", pa.int64()),  # negative examples seen
        ("slice_k", pa.int64()),  # the earlier SFT slice of a pair
        ("slice_l", pa.int64()),  # the later SFT slice of a pair
        ("path", pa.string()),  # forward (theta_k on D_l) | inverse (theta_l on D_k)
        ("seed", pa.int64()),
        ("step", pa.int64()),  # optimizer step, 0 = before training
        ("tokens_seen", pa.int64()),  # trained (non-masked) tokens up to this step
        ("item", pa.int64()),  # per-item rows: the held-out prompt's index (null: aggregates)
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("config_hash", pa.string()),  # hash of the parameters of the job that wrote the row
    ]
)
COLUMNS = SCHEMA.names
# Columns added after results were first written: a file without them reads them as null
# (hooke.aggregate reads by name), so results of an older hooke aggregate without a re-run.
ADDED = {"aligner"}


def metrics_table(rows: Iterable[Mapping[str, Any]], **common: Any) -> pa.Table:
    """Rows (dicts with any subset of the schema's columns) plus shared values, as a table."""
    records = [{**common, **row} for row in rows]
    for record in records:
        unknown = set(record) - set(COLUMNS)
        if unknown:
            raise HookeError(f"metrics row has unknown column(s): {', '.join(sorted(unknown))}")
    try:
        return pa.Table.from_pylist(records, schema=SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise HookeError(f"metrics rows do not fit the schema: {exc}") from None


@functools.cache
def versions() -> str:
    """The versions of the packages that shape a result, as JSON (stored in every file)."""
    from hooke.environment import environment

    frame = environment()
    return json.dumps(dict(zip(frame.component, frame.version, strict=True)), sort_keys=True)


def write_metrics(table: pa.Table, path: str | Path) -> None:
    """Validate `table` against the schema and write it atomically as Parquet, with the
    package versions in the file's metadata (key `hooke.versions`); seeds and the config hash
    are columns."""
    check_metrics(table, str(path))
    table = table.replace_schema_metadata({"hooke.versions": versions()})
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)


def read_metrics(path: str | Path) -> pa.Table:
    """Read and validate a metrics Parquet file."""
    table = pq.read_table(path)
    check_metrics(table, str(path))
    return table


def check_metrics(table: pa.Table, where: str) -> None:
    """Fail with the file and column named when `table` strays from the schema."""
    for field in SCHEMA:
        if field.name not in table.column_names:
            if field.name in ADDED:
                continue
            raise HookeError(f"{where}: metrics column '{field.name}' is missing")
        actual = table.schema.field(field.name).type
        if actual != field.type:
            raise HookeError(
                f"{where}: metrics column '{field.name}' has type {actual}, expected {field.type}"
            )
    extra = set(table.column_names) - set(COLUMNS)
    if extra:
        raise HookeError(f"{where}: unexpected metrics column(s) {', '.join(sorted(extra))}")
    for value in table.column("value").to_pylist():
        if value is not None and not math.isfinite(value):
            raise HookeError(f"{where}: metrics column 'value' holds a non-finite number")
