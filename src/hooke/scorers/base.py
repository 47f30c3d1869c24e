"""The scorer interface, and the helpers the kinds of scorer share."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

SPEC_FILE = "scorer.json"


class Scorer(Protocol):
    def score(self, texts: list[str]) -> np.ndarray:
        """P(desirable label) for each text, in [0, 1]."""


def score_responses(scorer: Scorer, prompts: list[str], responses: list[str]) -> np.ndarray:
    """Score responses; a scorer that grades a response to its prompt (a safety cost model)
    gets the prompts too."""
    if getattr(scorer, "needs_prompt", False):
        return scorer.score(responses, prompts=prompts)
    return scorer.score(responses)


def accuracy(scorer: Scorer, texts: list[str], labels: np.ndarray) -> float:
    """Share of texts whose thresholded score (0.5) matches the label (NaN without texts)."""
    if len(texts) == 0:
        return float("nan")
    predicted = (scorer.score(texts) >= 0.5).astype(int)
    return float((predicted == np.asarray(labels)).mean())


def extra_metrics(scorer: Scorer, probs: np.ndarray) -> dict[str, float]:
    """Measures a kind of scorer adds to the shared two (a cost model: mean cost, unsafe
    share)."""
    return scorer.extra_metrics(probs) if hasattr(scorer, "extra_metrics") else {}


def heldout_figures(scorer: Scorer, labelled: Any) -> dict[str, float]:
    """The figures of a scorer that is not trained here: the whole labelled split tests it."""
    return {
        "heldout_accuracy": accuracy(
            scorer, labelled["text"].tolist(), labelled["label"].to_numpy()
        ),
        "heldout_size": float(len(labelled)),
        "train_size": 0.0,
    }


def encoded_batches(tokenizer, texts: list[str], batch_size: int, max_length: int):
    """Padded, truncated PyTorch batches of `texts`, `batch_size` at a time."""
    for start in range(0, len(texts), batch_size):
        yield tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
