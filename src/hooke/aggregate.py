"""Aggregation in DuckDB SQL: each `sql/<table>.sql` runs over the metrics files (as the view
`metrics`) and becomes `<table>.csv` and `<table>.md`."""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.atomic import atomic_file
from hooke.metrics import check_metrics


def sql_text(table: str) -> str:
    """The SQL that builds `table`, shipped in the package."""
    return (importlib.resources.files("hooke") / "sql" / f"{table}.sql").read_text()


def run_table(
    metrics_files: Sequence[str | Path], table: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run `sql/<table>.sql` over the given metrics Parquet files."""
    import duckdb
    import pyarrow.parquet as pq

    for path in metrics_files:
        check_metrics(pq.read_table(path), str(path))
    con = duckdb.connect()
    con.read_parquet([str(p) for p in metrics_files]).create_view("metrics")
    sql = sql_text(table)
    used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    return con.execute(sql, used).df()


def write_table(frame: pd.DataFrame, csv_path: str | Path, md_path: str | Path) -> None:
    """A table as CSV and as a Markdown copy, each written atomically."""
    with atomic_file(csv_path) as tmp:
        frame.to_csv(tmp, index=False)
    with atomic_file(md_path) as tmp:
        tmp.write_text(frame.to_markdown(index=False, floatfmt=".4f") + "\n")
