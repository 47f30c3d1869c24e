"""Fine-tuning stages on HF `Trainer`: positive SFT saved as slices, and inverse fine-tuning
(Setting I's Path A / Path B) with its per-step loss curve."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.atomic import atomic_dir
from hooke.data import read_split
from hooke.metrics import metrics_table, write_metrics
from hooke.models import check_pair, load_model, load_tokenizer
from hooke.pretrain import SaveSlices
from hooke.trainer import (
    LossRecorder,
    collator,
    completion_dataset,
    fail_on_nonfinite,
    loss_rows,
    train_steps,
    training_arguments,
)


def slice_dir(sft_dir: str | Path, k: int) -> Path:
    """Where SFT slice θk lives inside an SFT run's directory."""
    return Path(sft_dir) / f"slice-{int(k)}"


def slice_steps(total_steps: int, n_slices: int) -> dict[int, int]:
    """Step at which each of `n_slices` equal slices of an epoch ends: {step: k}."""
    steps = {max(1, round(total_steps * k / n_slices)): k for k in range(1, n_slices + 1)}
    if len(steps) < n_slices:
        raise ValueError(f"{total_steps} steps cannot be cut into {n_slices} slices")
    return steps


def _finetune(
    model,
    tokenizer,
    dataset,
    params: Mapping[str, Any],
    output_dir: Path,
    callbacks: list,
    seed: int,
    epochs: int = 1,
) -> LossRecorder:
    from transformers import Trainer

    recorder = LossRecorder()
    args = training_arguments(
        output_dir=output_dir,
        num_train_epochs=epochs,
        per_device_train_batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type=params.get("lr_scheduler", "constant"),
        warmup_steps=params.get("warmup_steps", 0),
        seed=seed,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator(tokenizer),
        callbacks=[recorder.callback, fail_on_nonfinite(), *callbacks],
    )
    trainer.train()
    return recorder


def _pairs_dataset(path: str | Path, tokenizer, params: Mapping[str, Any]):
    frame = read_split(path, ["prompt", "response"]).head(params["examples"])
    data = completion_dataset(
        frame["prompt"].tolist(), frame["response"].tolist(), tokenizer, params["max_length"]
    )
    return data, len(frame)


def sft_slices(
    base_dir: str | Path,
    positive_path: str | Path,
    out_dir: str | Path,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
) -> None:
    """One epoch of SFT on the positive pool, saving slices θ1..θn at equal fractions."""
    model = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    check_pair(model, tokenizer, str(base_dir))
    data, n = _pairs_dataset(positive_path, tokenizer, params)
    steps = slice_steps(train_steps(n, params["batch_size"], 1), params["slices"])
    with atomic_dir(out_dir) as tmp:
        saver = SaveSlices({s: slice_dir(tmp, k) for s, k in steps.items()}, tokenizer)
        recorder = _finetune(
            model, tokenizer, data, params, tmp / "trainer", [saver.callback], params["seed"]
        )
        rows = loss_rows(recorder.records)
        write_metrics(
            metrics_table(rows, algorithm="sft", n_pos=n, **meta), tmp / "metrics.parquet"
        )
        _drop(tmp / "trainer")


def inverse_ft(
    trainee_dir: str | Path,
    responses_path: str | Path,
    out_path: str | Path,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
) -> None:
    """Fine-tune a slice on another slice's harvested responses; write the loss curve."""
    import tempfile

    model = load_model(trainee_dir, trust_remote_code)
    tokenizer = load_tokenizer(trainee_dir, trust_remote_code)
    data, _ = _pairs_dataset(responses_path, tokenizer, params)
    with tempfile.TemporaryDirectory() as scratch:
        recorder = _finetune(
            model, tokenizer, data, params, Path(scratch), [], meta["seed"], epochs=params["epochs"]
        )
    write_metrics(metrics_table(loss_rows(recorder.records), algorithm="sft", **meta), out_path)


def _drop(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
