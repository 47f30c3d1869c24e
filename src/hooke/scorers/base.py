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
    from hooke.scorers import hf_classifier, tfidf

    return {"tfidf": tfidf, "hf_classifier": hf_classifier}


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
    """Share of texts whose thresholded score (0.5) matches the label."""
    predicted = (scorer.score(texts) >= 0.5).astype(int)
    return float((predicted == np.asarray(labels)).mean())
