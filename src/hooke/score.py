"""Score harvested responses with the task's scorer; train or fetch that scorer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.data import read_split
from hooke.metrics import metrics_table, write_metrics
from hooke.scorers import build_scorer, load_scorer
from hooke.scorers.base import extra_metrics
from hooke.scorers.base import score_responses as score_pairs


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
