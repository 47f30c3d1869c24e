"""Scoring: train or fetch a task's scorer (rule train_scorer); grade a harvest's responses
(score_responses); and Setting II's checkpoint scoring — the task score of a model's sampled
responses, its KL to the base and its compression rates (bits per byte) on D_p, D_a and D_t
at every grid point of a perturbation run (score_rebound), and the base model's own
(score_base)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.data import read_split
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_model, load_tokenizer
from hooke.paths import checkpoint_dir
from hooke.runtime import progress
from hooke.scorers import build_scorer, load_scorer
from hooke.scorers.base import extra_metrics
from hooke.scorers.base import score_responses as score_pairs
from hooke.trainer import completion_dataset


def train_scorer(
    spec: Mapping[str, Any],
    labelled_path: str | Path,
    out_dir: str | Path,
    metrics_path: str | Path,
    meta: Mapping[str, Any],
) -> dict[str, float]:
    """Build the scorer into `out_dir` and record its held-out accuracy as metrics."""
    labelled = read_split(labelled_path, ["text", "label"])
    figures = build_scorer(spec, labelled, out_dir)
    rows = [{"metric": name, "value": value} for name, value in sorted(figures.items())]
    write_metrics(metrics_table(rows, setting="scorer", **meta), metrics_path)
    return figures


def score_responses(
    scorer_dir: str | Path,
    responses_path: str | Path,
    out_path: str | Path,
    threshold: float,
    meta: Mapping[str, Any],
) -> dict[str, float]:
    """Mean P(positive) and share above `threshold` of a harvest's responses."""
    harvest = read_split(responses_path, ["prompt", "response"])
    scorer = load_scorer(scorer_dir)
    probs = score_pairs(scorer, harvest["prompt"].tolist(), harvest["response"].tolist())
    figures = {
        "mean_p_positive": float(probs.mean()),
        "positive_share": float((probs >= threshold).mean()),
        **extra_metrics(scorer, probs),
    }
    rows = [{"metric": name, "value": value} for name, value in figures.items()]
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures


def evaluate(
    model, base, tokenizer, prompts: list[str], scorer, params: Mapping[str, Any], seed: int
) -> dict[str, float]:
    """Task score of `model`'s responses to `prompts`, and KL(model || base) per token along
    those responses (exact over the vocabulary at each position)."""
    from hooke.generate import generate_responses
    from hooke.measures import example_kl

    tokenizer.padding_side = "left"
    responses = generate_responses(model, tokenizer, prompts, params, seed)
    tokenizer.padding_side = "right"
    probs = score_pairs(scorer, prompts, responses["response"].tolist())
    data = completion_dataset(
        prompts, responses["response"].tolist(), tokenizer, params["max_length"]
    )
    kl = example_kl(model, base, tokenizer, data).mean() if base is not None else 0.0
    return {
        "mean_p_positive": float(probs.mean()),
        "positive_share": float((probs >= params["threshold"]).mean()),
        **extra_metrics(scorer, probs),
        "kl_to_base": kl,
        "response_tokens": float(responses["n_tokens"].mean()),
    }


def compression_texts(paths: Mapping[str, str | Path], n: int) -> dict[str, list[str]]:
    """Fixed samples of the pre-training text (D_p), the aligning data (D_a) and the
    perturbing data (D_t), whose compression rates the checkpoints are measured on."""
    pretrain = read_split(paths["pretrain"], ["text"])["text"].head(n).tolist()
    pairs = {
        name: read_split(paths[name], ["prompt", "response"]).head(n)
        for name in ("aligned", "perturbing")
    }
    return {
        "pretrain": pretrain,
        **{name: (f.prompt + " " + f.response).tolist() for name, f in pairs.items()},
    }


def score_rebound(
    base_dir,
    aligned_dir,
    run_dir,
    prompts_path,
    scorer_dir,
    out_path,
    grid: Sequence[int],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    data: Mapping[str, str | Path],
    pretrain_tokens: int | None,
    trust_remote_code=False,
) -> pd.DataFrame:
    """Evaluate the aligned model (grid point 0) and every perturbation checkpoint: task score,
    KL to the base, and bits per byte on D_p, D_a and D_t (the paper's compression rates).
    `meta` carries the run's direction and aligning volume `n`."""
    from hooke.measures import bits_per_byte

    direction = meta["direction"]

    scorer = load_scorer(scorer_dir)
    base = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(aligned_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    samples = compression_texts(data, params["compression_texts"])
    aligned = read_split(data["aligned"], ["prompt", "response"]).head(meta["n"])
    sizes = {
        "aligned_tokens": float(
            sum(
                len(ids)
                for ids in tokenizer((aligned.prompt + " " + aligned.response).tolist())[
                    "input_ids"
                ]
            )
        )
    }
    if pretrain_tokens:
        sizes["pretrain_tokens"] = float(pretrain_tokens)
    rows = [
        {"step": 0, **_volumes(direction, meta["n"], 0), "metric": k, "value": v}
        for k, v in sizes.items()
    ]
    for examples in progress(sorted(set(grid) | {0}), desc="checkpoints", unit="ckpt"):
        path = aligned_dir if examples == 0 else checkpoint_dir(run_dir, examples)
        model = load_model(path, trust_remote_code)
        figures = evaluate(model, base, tokenizer, prompts, scorer, params, meta["seed"])
        for name, texts in samples.items():
            per_byte, per_token = bits_per_byte(model, tokenizer, texts, params["max_length"])
            figures[f"bpb_{name}"], figures[f"bpt_{name}"] = per_byte, per_token
        volumes = _volumes(direction, meta["n"], examples)
        rows += [
            {"step": examples, **volumes, "metric": name, "value": value}
            for name, value in figures.items()
        ]
    meta = {k: v for k, v in meta.items() if k != "n"}
    write_metrics(metrics_table(rows, **meta), out_path)
    return pd.DataFrame(rows)


def _volumes(direction: str, aligned: int, perturbed: int) -> dict[str, int]:
    if direction == "positive_first":
        return {"n_pos": aligned, "n_neg": perturbed}
    return {"n_pos": perturbed, "n_neg": aligned}


def score_base(
    base_dir,
    prompts_path,
    scorer_dir,
    out_path,
    params,
    meta,
    trust_remote_code=False,
    pretrain_tokens: int | None = None,
) -> dict[str, float]:
    """The base model's task score, the reference line of the rebound curves, and its place
    on Setting III's axes: parameter count (counted) and pre-training tokens (the base's tag)."""
    model = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    figures = evaluate(
        model, None, tokenizer, prompts, load_scorer(scorer_dir), params, meta["seed"]
    )
    figures.pop("kl_to_base")
    figures["model_params"] = float(sum(p.numel() for p in model.parameters()))
    if pretrain_tokens:
        figures["pretrain_tokens"] = float(pretrain_tokens)
    rows = [
        {"step": 0, "n_pos": 0, "n_neg": 0, "metric": k, "value": v} for k, v in figures.items()
    ]
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures
