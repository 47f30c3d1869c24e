"""Aggregation in DuckDB SQL: each `sql/<name>.sql` runs over views of the results (`metrics`:
every metrics Parquet file, validated; `examples`: per-example files; and any tables built
before it) and returns a data frame, written as CSV and as a Markdown copy."""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.metrics import check_metrics


def sql_text(table: str) -> str:
    """The SQL that builds `table`, shipped in the package."""
    return (importlib.resources.files("hooke") / "sql" / f"{table}.sql").read_text()


def connect(metrics_files: Sequence[str | Path] = (), example_files: Sequence[str | Path] = ()):
    """A DuckDB connection with the views `metrics` and `examples` over the given files."""
    import duckdb
    import pyarrow.parquet as pq

    con = duckdb.connect()
    for path in metrics_files:
        check_metrics(pq.read_table(path), str(path))
    # by name: a file without a column added since (metrics.ADDED) reads it as null
    if metrics_files:
        files = [str(p) for p in metrics_files]
        con.read_parquet(files, union_by_name=True).create_view("metrics")
    if example_files:
        files = [str(p) for p in example_files]
        con.read_parquet(files, union_by_name=True).create_view("examples")
    return con


def run_sql(con, table: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run `sql/<table>.sql` on `con`, passing the params its text names (`$name`)."""
    sql = sql_text(table)
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(sql, used).df()


def run_table(
    metrics_files: Sequence[str | Path], table: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run `sql/<table>.sql` over the given metrics Parquet files."""
    return run_sql(connect(metrics_files), table, params)
