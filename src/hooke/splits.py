"""Reading the splits that prepare_data wrote (hooke.data), for every later stage; apart from
hooke.data so that the stages that only read splits do not import the data sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hooke.errors import HookeError


def read_split(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Read a split, failing with the file and column named when one is missing or it is empty."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (OSError, ValueError) as exc:
        raise HookeError(f"{path}: not a readable Parquet file ({exc})") from None
    for column in columns:
        if column not in names:
            raise HookeError(f"{path}: column '{column}' is missing")
    frame = pd.read_parquet(path, columns=columns)
    if frame.empty:
        raise HookeError(f"{path}: holds no rows")
    return frame
