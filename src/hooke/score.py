"""Scoring: train or fetch a task's scorer (rule train_scorer); grade a harvest's responses
(score_responses); and Setting II's checkpoint scoring — the task score of a model's sampled
responses, its KL to the base and its compression rates (bits per byte) on D_p, D_a and D_t
at every grid point of a perturbation run (score_rebound), and the base model's own
(score_base)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke import templates
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_model, load_tokenizer
from hooke.paths import checkpoint_dir
from hooke.readouts import heldout_texts, likelihood_readouts
from hooke.runtime import progress
from hooke.scorers import build_scorer, load_scorer
from hooke.scorers.base import extra_metrics
from hooke.scorers.base import score_responses as score_pairs
from hooke.splits import read_split


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
    """Task score of `model`'s responses to `prompts` (the mean, and each response's under
    `response_p_positive`), and KL(model || base) per token along those responses (exact
    over the vocabulary at each position)."""
    from hooke.generate import generate_responses

    # On a CPU the base reads the samples in lock-step with the sampling (a pass fewer); on a
    # GPU decoding is bound by memory, not arithmetic, and two teacher-forced passes after the
    # sampling cost less than a second model decoding beside it. The two agree (tested).
    lockstep = base is not None and _reads_in_lockstep(model)
    tokenizer.padding_side = "left"
    responses = generate_responses(
        model, tokenizer, prompts, params, seed, reference=base if lockstep else None
    )
    tokenizer.padding_side = "right"
    probs = score_pairs(scorer, prompts, responses["response"].tolist())
    kl = 0.0
    if lockstep:  # summed over responses, per position (a token-weighted mean)
        kl = float(responses["kl"].sum() / max(int(responses["kl_positions"].sum()), 1))
    elif base is not None:
        kl = _teacher_forced_kl(model, base, tokenizer, prompts, responses, params["max_length"])
    return {
        "response_p_positive": probs,
        "mean_p_positive": float(probs.mean()),
        "positive_share": float((probs >= params["threshold"]).mean()),
        **extra_metrics(scorer, probs),
        "kl_to_base": kl,
        "response_tokens": float(responses["n_tokens"].mean()),
    }


def _reads_in_lockstep(model) -> bool:
    return model.device.type == "cpu"


def _teacher_forced_kl(model, base, tokenizer, prompts, responses, max_length: int) -> float:
    """KL(model || base) per position along the responses, both models reading prompt +
    response (cut to `max_length` tokens) in one pass each."""
    from hooke.measures import example_kl
    from hooke.trainer import token_dataset

    data = token_dataset(
        tokenizer(templates.prompts(prompts, tokenizer))["input_ids"],
        responses["response_ids"].tolist(),
        max_length,
    )
    return example_kl(model, base, tokenizer, data).mean()


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
    """Evaluate the aligned model (grid point 0) and every perturbation checkpoint: the
    likelihood readouts on held-out text (hooke.readouts: bits per byte on D_p, D_a and D_t,
    the paper's compression rates, and the margin) at every point; the task score and KL to
    the base on sampled responses at the points of `params["sample_at"]` (all if None).
    `meta` carries the run's direction and aligning volume `n`; `data` the aligning pool
    (its size is |D_a|) and the held-out splits (`prompts`, `scorer`)."""
    direction = meta["direction"]
    scorer = load_scorer(scorer_dir)
    base = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(aligned_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    samples = heldout_texts(prompts_path, data["heldout"], direction, params["compression_texts"])
    aligned = read_split(data["aligned"], ["prompt", "response"]).head(meta["n"])
    texts = _laid_out(aligned, tokenizer)  # none for the base control (n = 0)
    sizes = {
        "aligned_tokens": float(sum(len(ids) for ids in tokenizer(texts)["input_ids"]))
        if texts
        else 0.0
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
        figures = likelihood_readouts(model, tokenizer, samples, params["max_length"])
        if sampled(examples, params.get("sample_at")):
            figures.update(evaluate(model, base, tokenizer, prompts, scorer, params, meta["seed"]))
        rows += _rows(figures, step=examples, **_volumes(direction, meta["n"], examples))
    meta = {k: v for k, v in meta.items() if k != "n"}
    write_metrics(metrics_table(rows, **meta), out_path)
    return pd.DataFrame(rows)


def sampled(examples: int, sample_at: Sequence[int] | None) -> bool:
    """Whether responses are sampled at this grid point (`rebound.eval.sample_at`; None:
    at every one)."""
    return sample_at is None or examples in sample_at


def _rows(figures: Mapping[str, Any], **where: Any) -> list[dict[str, Any]]:
    """Metrics rows of one checkpoint: a row per figure, and a row per item (`item`: the
    held-out prompt's index) for per-response figures (arrays)."""
    rows = []
    for name, value in figures.items():
        if np.ndim(value):
            rows += [
                {**where, "item": i, "metric": name, "value": float(v)} for i, v in enumerate(value)
            ]
        else:
            rows.append({**where, "metric": name, "value": float(value)})
    return rows


def _laid_out(pairs: pd.DataFrame, tokenizer) -> list[str]:
    """Prompt + response as the policy reads them (the job's template)."""
    texts = templates.prompts(pairs["prompt"].tolist(), tokenizer)
    answers = templates.responses(pairs["response"].tolist())
    return [p + r for p, r in zip(texts, answers, strict=True)]


def _volumes(direction: str, aligned: int, perturbed: int) -> dict[str, int]:
    if direction == "positive_first":
        return {"n_pos": aligned, "n_neg": perturbed}
    return {"n_pos": perturbed, "n_neg": aligned}


def score_base(
    base_dir,
    prompts_path,
    heldout_path,
    scorer_dir,
    out_path,
    params,
    meta,
    trust_remote_code=False,
    pretrain_tokens: int | None = None,
) -> dict[str, float]:
    """The base model's task score and likelihood margin toward the positive pole (the
    reference lines of the rebound curves; `heldout_path`: the held-out D_p texts), and its
    place on Setting III's axes: parameter count (counted) and pre-training tokens (its tag)."""
    model = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    figures = evaluate(
        model, None, tokenizer, prompts, load_scorer(scorer_dir), params, meta["seed"]
    )
    figures.pop("kl_to_base")
    samples = heldout_texts(
        prompts_path, heldout_path, "positive_first", params["compression_texts"]
    )
    readouts = likelihood_readouts(model, tokenizer, samples, params["max_length"])
    figures["margin_positive"] = readouts["margin"]  # bpb(negative) - bpb(positive)
    figures["bpb_pretrain"] = readouts["bpb_pretrain"]
    figures["model_params"] = float(sum(p.numel() for p in model.parameters()))
    if pretrain_tokens:
        figures["pretrain_tokens"] = float(pretrain_tokens)
    rows = _rows(figures, step=0, n_pos=0, n_neg=0)
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures
