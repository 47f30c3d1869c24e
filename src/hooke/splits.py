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


def drawn(frame: pd.DataFrame, seed: int | None, stream: str) -> pd.DataFrame:
    """The rows of a split in the order a replicate draws them (rebound.draw: per_seed): a
    permutation fixed by the run's `seed` and the split's name (`stream`), so that every job
    of one seed draws the same texts of one split, the volumes of a seed are nested (the
    first 250 of its 1,000), and the seeds draw independently. `seed` None: the split's own
    order (rebound.draw: fixed, one draw for every seed)."""
    if seed is None:
        return frame
    import zlib

    import numpy as np

    rng = np.random.default_rng([int(seed), zlib.crc32(stream.encode())])
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def draw_seed(params, seed: int) -> int | None:
    """The seed a job's draws use: the run's, when its settings draw per seed."""
    return seed if params.get("draw", "fixed") == "per_seed" else None
