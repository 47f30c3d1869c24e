"""Setting I's inverse fine-tuning (rule finetune_inverse): Path A (θk on D_l) or Path B
(θl on D_k) for an exact token budget, with the loss curve and the excess loss and KL to the
slice that wrote the data, before and after."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke.atomic import atomic_file
from hooke.data import read_split
from hooke.distributed import gathered
from hooke.errors import HookeError
from hooke.measures import example_kl, example_nll
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_model, load_trainable
from hooke.trainer import completion_dataset, finetune, loss_rows


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


def finetune_inverse(
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
        records = finetune(
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
