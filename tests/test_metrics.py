"""The long metrics schema: validated on write, errors name the file and column."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hooke.errors import HookeError
from hooke.metrics import SCHEMA, metrics_table, read_metrics, write_metrics


def test_roundtrip(tmp_path):
    table = metrics_table(
        [{"step": 1, "metric": "train_loss", "value": 2.5}],
        setting="resistance",
        seed=0,
        path="forward",
    )
    write_metrics(table, tmp_path / "m.parquet")
    back = read_metrics(tmp_path / "m.parquet")
    assert back.schema.equals(SCHEMA) and back.column("value").to_pylist() == [2.5]
    assert back.column("slice_k").to_pylist() == [None]
    import json

    versions = json.loads(back.schema.metadata[b"hooke.versions"])
    assert versions["torch"].startswith("2.13") and "transformers" in versions


def test_unknown_column_is_named():
    with pytest.raises(HookeError, match="unknown column.*losss"):
        metrics_table([{"losss": 1.0}])


def test_missing_column_is_named(tmp_path):
    table = metrics_table([{"metric": "x", "value": 1.0}]).drop_columns(["tokens_seen"])
    pq.write_table(table, tmp_path / "bad.parquet")
    with pytest.raises(HookeError, match=r"bad.parquet: metrics column 'tokens_seen' is missing"):
        read_metrics(tmp_path / "bad.parquet")


def test_wrong_type_is_named(tmp_path):
    table = metrics_table([{"metric": "x", "value": 1.0}])
    index = table.schema.get_field_index("seed")
    table = table.set_column(index, "seed", pa.array(["zero"]))
    with pytest.raises(HookeError, match="'seed' has type string"):
        write_metrics(table, tmp_path / "m.parquet")
    assert not (tmp_path / "m.parquet").exists()


def test_nonfinite_value_refused(tmp_path):
    table = metrics_table([{"metric": "train_loss", "value": float("nan")}])
    with pytest.raises(HookeError, match="non-finite"):
        write_metrics(table, tmp_path / "m.parquet")
