"""Setting I's inverse fine-tuning (rule finetune_inverse): Path A (θk on D_l) and Path B
(θl on D_k) of a slice pair, each for an exact token budget, with the loss curve and the
excess loss and KL to the slice that wrote the data, before and after."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke import templates
from hooke.atomic import atomic_file
from hooke.distributed import gathered
from hooke.errors import HookeError
from hooke.measures import example_kl_and_nll, example_nll
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_model, load_trainable, whole_models_again
from hooke.splits import read_split
from hooke.trainer import finetune, loss_rows, token_dataset


def token_budget(dataset, tokens: int, batch_size: int, steps: int | None = None):
    """Leading examples of `dataset` holding exactly `tokens` input tokens, so that Path A and
    Path B see the same number of tokens. With `steps`, exactly `steps` full batches (so both
    paths also take the same optimizer steps); without, the fewest full batches that hold the
    tokens. The surplus tokens are cut from the ends of the longest responses, never from a
    prompt."""
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
    if steps is not None:
        n = steps * batch_size
        if len(lengths) < n:  # fewer responses than steps x batch (empty ones are dropped)
            raise HookeError(
                f"{steps} steps of {batch_size} examples need {n} responses, the harvest left "
                f"{len(lengths)} (resistance.harvest.prompts, inverse.eval_prompts, steps)"
            )
        if cumulative[n - 1] < tokens:
            held = int(cumulative[min(n, len(lengths)) - 1])
            raise HookeError(
                f"{steps} steps of {batch_size} examples hold {held} tokens in "
                f"{min(n, len(lengths))} responses, fewer than the {tokens} asked for "
                "(resistance.inverse.tokens, steps, batch_size)"
            )
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


def training_examples(frame: pd.DataFrame, tokenizer, params: Mapping[str, Any], where):
    """A harvest's responses as a path's training examples (cut to the token budget) and its
    held-back ones; a one-line error, prefixed with `where`, when they cannot fill the budget.
    The harvest calls it too, the first job that knows the responses' lengths."""
    n_eval = params["eval_prompts"]
    if len(frame) <= n_eval:
        raise HookeError(
            f"{where}: {len(frame)} responses, but "
            f"resistance.inverse.eval_prompts holds {n_eval} of them back"
        )
    # The paths train on the very tokens the generator emitted (ids kept by the harvest),
    # never on decoded-and-re-tokenised text: the excess loss is then exactly the generator's.
    train_frame, eval_frame = frame.iloc[:-n_eval], frame.iloc[-n_eval:]
    try:
        train = token_budget(
            _ids_dataset(train_frame, tokenizer, params["max_length"]),
            params["tokens"],
            params["batch_size"],
            params.get("steps"),
        )
    except HookeError as error:
        raise HookeError(f"{where}: {error}") from None
    return train, _ids_dataset(eval_frame, tokenizer, params["max_length"])


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
    frame = read_split(responses_path, ["prompt", "response_ids"])
    train, held_out = training_examples(frame, tokenizer, params, responses_path)
    gen_train = example_nll(generator, tokenizer, train)
    before = _measures(trainee, generator, tokenizer, train, held_out)
    gen_held = before["generator_held"]
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
        after = _measures(trainee, generator, tokenizer, train, held_out)
    summary = _summary(before, after, gen_train, gen_held)
    last = records[-1]
    summary["steps"] = float(last["step"])
    rows = loss_rows(records) + [
        {"step": last["step"], "tokens_seen": last["tokens_seen"], "metric": name, "value": value}
        for name, value in summary.items()
    ]
    write_metrics(metrics_table(rows, algorithm="sft", **meta), outputs["metrics"])
    examples = pd.concat(
        [
            _per_example("train", before["train"], after["train"], gen_train),
            _per_example("heldout", before["held"], after["held"], gen_held, before, after),
        ],
        ignore_index=True,
    ).assign(**{k: meta[k] for k in ("base", "task", "seed", "slice_k", "slice_l", "path")})
    with atomic_file(outputs["examples"]) as tmp:
        examples.to_parquet(tmp, index=False)
    return summary


# Path A trains the earlier slice on the later one's responses; Path B the reverse.
PATHS = {"forward": ("k", "l"), "inverse": ("l", "k")}


def finetune_pair(
    slices: Mapping[str, str | Path],
    responses: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
) -> dict[str, dict[str, float]]:
    """Both paths of a slice pair, one after the other in this process: `slices` and
    `responses` by side (k, l), `outputs` as `{path}_metrics` / `{path}_examples`. Each path
    writes its training curves to its own TensorBoard folder."""
    import os

    board = os.environ.get("TENSORBOARD_LOGGING_DIR")
    summaries = {}
    for path, (trainee, generator) in PATHS.items():
        whole_models_again()  # the first path's ZeRO-3 trainer must not shard the second's load
        if board:
            os.environ["TENSORBOARD_LOGGING_DIR"] = str(Path(board) / path)
        summaries[path] = finetune_inverse(
            slices[trainee],
            slices[generator],
            responses[generator],
            {name: outputs[f"{path}_{name}"] for name in ("metrics", "examples")},
            params,
            {**meta, "path": path},
            trust_remote_code,
            lora,
        )
    return summaries


def _ids_dataset(frame: pd.DataFrame, tokenizer, max_length: int):
    """Prompt tokens (as the generator saw them) + the generator's own response tokens."""
    return token_dataset(
        tokenizer(templates.prompts(frame["prompt"].tolist(), tokenizer))["input_ids"],
        [list(ids) for ids in frame["response_ids"]],
        max_length,
    )


def _measures(trainee, generator, tokenizer, train, held_out) -> dict:
    """The trainee's NLL on its training responses and on the held-back ones, the exact
    KL(generator || trainee) on the held-back ones and the generator's own NLL there (one
    pass of each model over the held-back responses gives the last three)."""
    kl, generator_held, held = example_kl_and_nll(generator, trainee, tokenizer, held_out)
    return {
        "train": example_nll(trainee, tokenizer, train),
        "held": held,
        "kl": kl,
        "generator_held": generator_held,
    }


def _summary(before, after, gen_train, gen_held) -> dict[str, float]:
    """Per-path measures: in-sample NLL and excess loss (the training responses), held-back
    NLL (the paper's final loss, measured on a fixed batch it never trained on), held-back
    excess loss and exact KL to the generator, before and after."""
    out = {
        "nll_start": before["train"].mean(),
        "nll_end": after["train"].mean(),
        "gen_nll": gen_train.mean(),
        "heldout_nll_start": before["held"].mean(),
        "heldout_nll_end": after["held"].mean(),
        "heldout_gen_nll": gen_held.mean(),
        "kl_start": before["kl"].mean(),
        "kl_end": after["kl"].mean(),
    }
    out["excess_start"] = out["nll_start"] - out["gen_nll"]
    out["excess_end"] = out["nll_end"] - out["gen_nll"]
    out["heldout_excess_end"] = out["heldout_nll_end"] - out["heldout_gen_nll"]
    out["loss_reduction"] = out["nll_start"] - out["nll_end"]
    out["kl_change"] = out["kl_start"] - out["kl_end"]
    return out


def _per_example(split: str, start, end, gen, before=None, after=None) -> pd.DataFrame:
    """One row per example: token count, NLL per token before/after and under the generator;
    for held-back examples also KL(generator || trainee) per token before/after."""

    def per_token(scores):
        return scores.total / np.maximum(scores.tokens, 1)

    frame = pd.DataFrame(
        {
            "split": split,
            "prompt_index": np.arange(len(start.tokens)),
            "tokens": start.tokens,
            "nll_start": per_token(start),
            "nll_end": per_token(end),
            "gen_nll": per_token(gen),
        }
    )
    frame["kl_start"] = per_token(before["kl"]) if before else np.nan
    frame["kl_end"] = per_token(after["kl"]) if after else np.nan
    return frame
