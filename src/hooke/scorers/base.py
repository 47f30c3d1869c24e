"""The scorer interface and the registry of kinds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hooke.errors import HookeError

SPEC_FILE = "scorer.json"


class Scorer(Protocol):
    def score(self, texts: list[str]) -> np.ndarray:
        """P(desirable label) for each text, in [0, 1]."""


def _kinds():
    from hooke.scorers import cost_model, hf_classifier, keyword, tfidf

    return {
        "tfidf": tfidf,
        "hf_classifier": hf_classifier,
        "cost_model": cost_model,
        "keyword": keyword,
    }


def score_responses(scorer: Scorer, prompts: list[str], responses: list[str]) -> np.ndarray:
    """Score responses; a scorer that grades a response to its prompt (a safety cost model)
    gets the prompts too."""
    if getattr(scorer, "needs_prompt", False):
        return scorer.score(responses, prompts=prompts)
    return scorer.score(responses)


def build_scorer(spec: Mapping[str, Any], train: Any, out_dir: str | Path) -> dict[str, float]:
    """Train or fetch the scorer `spec` describes into `out_dir` (written atomically);
    `train` is the labelled frame (`text`, `label`). Returns held-out figures."""
    from hooke.atomic import atomic_dir

    kind = _module(spec["kind"])
    with atomic_dir(out_dir) as tmp:
        figures = kind.build(spec, train, tmp)
        (tmp / SPEC_FILE).write_text(json.dumps(dict(spec), indent=2, sort_keys=True))
    return figures


def load_scorer(path: str | Path) -> Scorer:
    """The scorer saved in `path` by `build_scorer`."""
    spec_path = Path(path) / SPEC_FILE
    if not spec_path.is_file():
        raise HookeError(f"{path}: not a scorer directory (no {SPEC_FILE})")
    spec = json.loads(spec_path.read_text())
    return _module(spec["kind"]).load(spec, Path(path))


def _module(kind: str):
    kinds = _kinds()
    if kind not in kinds:
        raise HookeError(f"scorer kind '{kind}' is unknown; known: {', '.join(sorted(kinds))}")
    return kinds[kind]


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
