"""Setting I's positive SFT (rule finetune_slices): one epoch from the base on the positive
pool, saved as slices θ1..θn at chosen fractions of the epoch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.atomic import resumable_dir
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_trainable
from hooke.paths import slice_dir
from hooke.provenance import config_hash
from hooke.trainer import (
    SaveSlices,
    drop,
    finetune,
    loss_rows,
    pairs_dataset,
    train_steps,
)


def slice_steps(total_steps: int, n_slices: int, fractions=None) -> dict[int, int]:
    """Step at which each slice of an epoch ends, {step: k}: at `fractions` of the epoch, or
    at equal fractions k/n."""
    fractions = fractions or [k / n_slices for k in range(1, n_slices + 1)]
    steps = {max(1, round(total_steps * f)): k for k, f in enumerate(fractions, start=1)}
    if len(steps) < n_slices:
        raise ValueError(f"{total_steps} steps cannot be cut into {n_slices} slices")
    return steps


def finetune_slices(
    base_dir: str | Path,
    positive_path: str | Path,
    out_dir: str | Path,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
) -> None:
    """One epoch of SFT on the positive pool, saving slices θ1..θn at equal fractions."""
    model, tokenizer = load_trainable(base_dir, trust_remote_code, lora)
    data = pairs_dataset(
        positive_path,
        tokenizer,
        params["examples"],
        params["max_length"],
        "resistance.sft.examples",
    )
    n = len(data)
    steps = slice_steps(
        train_steps(n, params["batch_size"], 1), params["slices"], params.get("fractions")
    )
    with resumable_dir(out_dir, config_hash({**params, **meta})) as work:
        saver = SaveSlices({s: slice_dir(work, k) for s, k in steps.items()}, tokenizer)
        records = finetune(
            model,
            tokenizer,
            data,
            params,
            work / "trainer",
            [saver.callback],
            params["seed"],
            resumable=True,
        )
        write_metrics(
            metrics_table(loss_rows(records), algorithm="sft", n_pos=n, **meta),
            work / "metrics.parquet",
        )
        drop(work / "trainer")
