"""Fine-tuning stages on HF `Trainer`: positive SFT saved as slices, and inverse fine-tuning
(Setting I's Path A / Path B) with its per-step loss curve."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke.atomic import atomic_file, resumable_dir
from hooke.data import read_split
from hooke.distributed import gathered
from hooke.errors import HookeError
from hooke.measures import example_kl, example_nll
from hooke.metrics import metrics_table, write_metrics
from hooke.models import add_lora, check_pair, load_model, load_tokenizer
from hooke.pretrain import SaveSlices
from hooke.provenance import config_hash
from hooke.trainer import (
    SFT_SAMPLING,
    checkpointing,
    collator,
    completion_dataset,
    fail_on_nonfinite,
    loss_rows,
    train_resumably,
    train_steps,
    training_arguments,
)


def slice_dir(sft_dir: str | Path, k: int) -> Path:
    """Where SFT slice θk lives inside an SFT run's directory."""
    return Path(sft_dir) / f"slice-{int(k)}"


def slice_steps(total_steps: int, n_slices: int, fractions=None) -> dict[int, int]:
    """Step at which each slice of an epoch ends, {step: k}: at `fractions` of the epoch, or
    at equal fractions k/n."""
    fractions = fractions or [k / n_slices for k in range(1, n_slices + 1)]
    steps = {max(1, round(total_steps * f)): k for k, f in enumerate(fractions, start=1)}
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
    resumable: bool = False,
) -> list[dict[str, Any]]:
    """Fine-tune on completion data; returns the (step, loss, tokens) records. A resumable run
    checkpoints into `output_dir` and resumes from what a killed run left there."""
    from transformers import Trainer

    args = training_arguments(
        output_dir=output_dir,
        num_train_epochs=epochs,
        per_device_train_batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type=params.get("lr_scheduler", "constant"),
        warmup_steps=params.get("warmup_steps", 0),
        seed=seed,
        train_sampling_strategy=SFT_SAMPLING,
        **(checkpointing() if resumable else {}),
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator(tokenizer),
        callbacks=[fail_on_nonfinite(), *callbacks],
    )
    return train_resumably(trainer, output_dir)


def load_trainable(path: str | Path, trust_remote_code: bool = False, lora=None):
    """A model and its tokenizer from `path`, checked to fit each other; with LoRA adapters
    to train when the base's `lora` spec is given."""
    model = load_model(path, trust_remote_code)
    tokenizer = load_tokenizer(path, trust_remote_code)
    check_pair(model, tokenizer, str(path))
    return add_lora(model, lora), tokenizer


def pairs_dataset(path: str | Path, tokenizer, n: int | None, max_length: int, key: str):
    """The first `n` (prompt, response) pairs of a split (None: all) as completion-only SFT
    data; fails naming the config `key` when the split holds fewer."""
    frame = read_split(path, ["prompt", "response"])
    n = len(frame) if n is None else n
    if len(frame) < n:
        raise HookeError(f"{path}: {len(frame)} examples, but {key} asks for {n}")
    frame = frame.head(n)
    return completion_dataset(
        frame["prompt"].tolist(), frame["response"].tolist(), tokenizer, max_length
    )


def sft_slices(
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
        records = _finetune(
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
        _drop(work / "trainer")


def token_budget(dataset, tokens: int, batch_size: int):
    """Leading examples of `dataset` holding exactly `tokens` input tokens, so that Path A and
    Path B see the same number of tokens. Their count is a multiple of `batch_size` (the last
    step, whose loss the paper reports, is a full batch); the surplus tokens are cut from the
    ends of the longest responses, never from a prompt."""
    lengths = np.array([len(ids) for ids in dataset["input_ids"]])
    cumulative = np.cumsum(lengths)
    enough = np.flatnonzero(cumulative >= tokens)
    if not len(enough):
        total = int(cumulative[-1]) if len(lengths) else 0
        raise HookeError(
            f"the responses hold {total} tokens, fewer than the {tokens} asked for "
            "(resistance.inverse.tokens); harvest more prompts or lower it"
        )
    n = min(len(lengths), -(-(int(enough[0]) + 1) // batch_size) * batch_size)
    keep = lengths[:n].copy()
    prompts = np.array(
        [sum(label == -100 for label in labels) for labels in dataset.select(range(n))["labels"]]
    )
    response = keep - prompts
    for _ in range(int(keep.sum()) - tokens):
        longest = int(np.argmax(response))
        if response[longest] <= 1:
            raise HookeError(
                f"{tokens} tokens cannot fill whole batches of {batch_size} without "
                "emptying responses; change resistance.inverse.tokens or batch_size"
            )
        response[longest] -= 1
        keep[longest] -= 1
    rows = dataset.select(range(n)).to_dict()
    for name in rows:
        rows[name] = [values[:cut] for values, cut in zip(rows[name], keep, strict=True)]
    return type(dataset).from_dict(rows)


def inverse_ft(
    trainee_dir: str | Path,
    generator_dir: str | Path,
    responses_path: str | Path,
    outputs: Mapping[str, str | Path],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
) -> dict[str, float]:
    """Fine-tune a slice on another slice's (the generator's) responses for a fixed token
    budget. Writes the loss curve and the before/after measures (metrics), and each training
    example's NLL before and after with the generator's own NLL (examples)."""
    import tempfile

    trainee, tokenizer = load_trainable(trainee_dir, trust_remote_code, lora)
    generator = load_model(generator_dir, trust_remote_code)
    frame = read_split(responses_path, ["prompt", "response"])
    n_eval = params["eval_prompts"]
    if len(frame) <= n_eval:
        raise HookeError(
            f"{responses_path}: {len(frame)} responses, but "
            f"resistance.inverse.eval_prompts holds {n_eval} of them back"
        )
    train_frame, eval_frame = frame.iloc[:-n_eval], frame.iloc[-n_eval:]
    train = token_budget(
        completion_dataset(
            train_frame["prompt"].tolist(),
            train_frame["response"].tolist(),
            tokenizer,
            params["max_length"],
        ),
        params["tokens"],
        params["batch_size"],
    )
    held_out = completion_dataset(
        eval_frame["prompt"].tolist(),
        eval_frame["response"].tolist(),
        tokenizer,
        params["max_length"],
    )
    gen_nll = example_nll(generator, tokenizer, train)
    start, kl_start = (
        example_nll(trainee, tokenizer, train),
        example_kl(generator, trainee, tokenizer, held_out),
    )
    with tempfile.TemporaryDirectory() as scratch:
        records = _finetune(
            trainee,
            tokenizer,
            train,
            params,
            Path(scratch),
            [],
            meta["seed"],
            epochs=params["epochs"],
        )
    with gathered(trainee):  # under ZeRO-3 each process holds only shards of the weights
        end, kl_end = (
            example_nll(trainee, tokenizer, train),
            example_kl(generator, trainee, tokenizer, held_out),
        )
    summary = {
        "nll_start": start.mean(),
        "nll_end": end.mean(),
        "gen_nll": gen_nll.mean(),
        "excess_start": start.mean() - gen_nll.mean(),
        "excess_end": end.mean() - gen_nll.mean(),
        "loss_reduction": start.mean() - end.mean(),
        "kl_start": kl_start.mean(),
        "kl_end": kl_end.mean(),
        "kl_change": kl_start.mean() - kl_end.mean(),
    }
    last = records[-1]
    rows = loss_rows(records) + [
        {"step": last["step"], "tokens_seen": last["tokens_seen"], "metric": name, "value": value}
        for name, value in summary.items()
    ]
    write_metrics(metrics_table(rows, algorithm="sft", **meta), outputs["metrics"])
    examples = pd.DataFrame(
        {
            "prompt_index": np.arange(len(train)),
            "tokens": start.tokens,
            "nll_start": start.total / np.maximum(start.tokens, 1),
            "nll_end": end.total / np.maximum(end.tokens, 1),
            "gen_nll": gen_nll.total / np.maximum(gen_nll.tokens, 1),
        }
    ).assign(**{k: meta[k] for k in ("base", "task", "seed", "slice_k", "slice_l", "path")})
    with atomic_file(outputs["examples"]) as tmp:
        examples.to_parquet(tmp, index=False)
    return summary


def _drop(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
