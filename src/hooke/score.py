"""Scoring: train or fetch a task's scorer (rule train_scorer); grade a harvest's responses
(score_responses); grade the responses a perturbation run sampled along its grid, beside the
readouts it took there (score_rebound: no model is loaded, so a scorer or threshold change
re-trains nothing); and the base model's own reference scores (score_base). Sampling a
model's responses with their KL to the base is `sample_responses`, which the perturbation
run (hooke.grid_readouts) and score_base share."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke import templates
from hooke.metrics import metrics_table, read_metrics, write_metrics
from hooke.scorers import build_scorer, load_scorer
from hooke.scorers.base import extra_metrics
from hooke.scorers.base import score_responses as score_pairs
from hooke.splits import draw_seed, drawn, read_split


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


def invalid_utf8(responses):
    """Whether each decoded response holds U+FFFD, the tokenizer's mark for bytes that are
    not valid UTF-8 (a byte-level BPE decodes with errors='replace')."""
    return responses.astype(str).str.contains("\ufffd", regex=False)


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
        # scored as decoded; how many held broken bytes is said beside the score
        "invalid_utf8_share": float(invalid_utf8(harvest["response"]).mean()),
    }
    rows = [{"metric": name, "value": value} for name, value in figures.items()]
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures


def task_scores(scorer, prompts: list[str], responses: list[str], threshold: float) -> dict:
    """The task score of responses: each one's P(positive) (`response_p_positive`), their
    mean, the share at or above `threshold`, and what the kind of scorer adds."""
    probs = score_pairs(scorer, prompts, responses)
    return {
        "response_p_positive": probs,
        "mean_p_positive": float(probs.mean()),
        "positive_share": float((probs >= threshold).mean()),
        **extra_metrics(scorer, probs),
    }


def sample_responses(
    model, base, tokenizer, prompts: list[str], params: Mapping[str, Any], seed: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """`model`'s responses to `prompts` (prompt, response, n_tokens) and, with a `base`,
    KL(model || base) per token along them (exact over the vocabulary at each position), and
    their mean length in tokens. The tokenizer's padding side is left as it was found."""
    from hooke.generate import generate_responses

    # On a CPU the base reads the samples in lock-step with the sampling (a pass fewer); on a
    # GPU decoding is bound by memory, not arithmetic, and two teacher-forced passes after the
    # sampling cost less than a second model decoding beside it. The two agree (tested).
    lockstep = base is not None and _reads_in_lockstep(model)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        responses = generate_responses(
            model, tokenizer, prompts, params, seed, reference=base if lockstep else None
        )
    finally:
        tokenizer.padding_side = side
    figures = {"response_tokens": float(responses["n_tokens"].mean())}
    if lockstep:  # summed over responses, per position (a token-weighted mean)
        positions = max(int(responses["kl_positions"].sum()), 1)
        figures["kl_to_base"] = float(responses["kl"].sum() / positions)
    elif base is not None:
        figures["kl_to_base"] = _teacher_forced_kl(
            model, base, tokenizer, prompts, responses, params["max_length"]
        )
    return responses, figures


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
    readouts_path: str | Path,
    responses_path: str | Path,
    scorer_dir: str | Path,
    out_path: str | Path,
    threshold: float,
    meta: Mapping[str, Any],
) -> pd.DataFrame:
    """A perturbation run's scores file: its readouts (hooke.grid_readouts: the likelihood
    readouts at every grid point, the KL to the base at the sampled ones) as the run wrote
    them, and the task score of the responses it sampled at each sampled grid point."""
    import pyarrow as pa

    readouts = read_metrics(readouts_path)
    responses = read_split(responses_path, ["step", "item", "prompt", "response"])
    scorer = load_scorer(scorer_dir)
    where = readouts.select(["step", "n_pos", "n_neg"]).to_pandas().drop_duplicates("step")
    rows = []
    for step, sampled in responses.groupby("step", sort=True):
        sampled = sampled.sort_values("item")
        figures = task_scores(scorer, sampled.prompt.tolist(), sampled.response.tolist(), threshold)
        volumes = where[where.step == step].iloc[0]
        rows += point_rows(
            figures, step=int(step), n_pos=int(volumes.n_pos), n_neg=int(volumes.n_neg)
        )
    scores = metrics_table(rows, **meta)
    table = pa.concat_tables([readouts.replace_schema_metadata(None), scores])
    write_metrics(table, out_path)
    return table.to_pandas()


def point_rows(figures: Mapping[str, Any], **where: Any) -> list[dict[str, Any]]:
    """Metrics rows of one grid point: a row per figure, and a row per item (`item`: the
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


def volumes(direction: str, aligned: int, perturbed: int) -> dict[str, int]:
    """A rebound run's (n_pos, n_neg): the aligning and perturbing examples by direction."""
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
    from hooke.models import load_model, load_tokenizer
    from hooke.readouts import heldout_texts, likelihood_readouts

    model = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    seed = draw_seed(params, meta["seed"])  # the texts its seed's runs read
    prompts = drawn(read_split(prompts_path, ["prompt"]), seed, Path(prompts_path).stem)
    prompts = prompts["prompt"].head(params["prompts"]).tolist()
    responses, sampled = sample_responses(model, None, tokenizer, prompts, params, meta["seed"])
    scorer = load_scorer(scorer_dir)
    figures = task_scores(scorer, prompts, responses["response"].tolist(), params["threshold"])
    figures["response_tokens"] = sampled["response_tokens"]
    samples = heldout_texts(
        prompts_path, heldout_path, "positive_first", params["compression_texts"], seed
    )
    readouts = likelihood_readouts(model, tokenizer, samples, params["max_length"])
    figures["margin_positive"] = readouts["margin"]  # bpb(negative) - bpb(positive)
    figures["bpb_pretrain"] = readouts["bpb_pretrain"]
    figures["model_params"] = float(sum(p.numel() for p in model.parameters()))
    if pretrain_tokens:
        figures["pretrain_tokens"] = float(pretrain_tokens)
    rows = point_rows(figures, step=0, n_pos=0, n_neg=0)
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures
