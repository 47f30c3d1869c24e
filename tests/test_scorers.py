"""Scorers behind one interface: the offline TF-IDF one and an HF classifier from disk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import save_tiny_classifier

from hooke.errors import HookeError
from hooke.scorers import build_scorer, load_scorer
from hooke.scorers.hf_classifier import positive_index


def _labelled(n=200):
    good = ["a wonderful moving film, superb acting", "great story and brilliant cast"]
    bad = ["an awful boring film, terrible acting", "dull story and dreadful cast"]
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        label, phrases = (1, good) if i % 2 else (0, bad)
        rows.append((f"{phrases[(i // 2) % 2]} {rng.integers(1000)}", label))
    return pd.DataFrame(rows, columns=["text", "label"])


def test_tfidf_scorer_learns_and_reloads(tmp_path):
    spec = {"kind": "tfidf", "seed": 0, "holdout": 0.25, "max_features": 500, "C": 4.0}
    figures = build_scorer(spec, _labelled(), tmp_path / "scorer")
    assert figures["heldout_accuracy"] == 1.0 and figures["heldout_size"] == 50
    scorer = load_scorer(tmp_path / "scorer")
    scores = scorer.score(["a wonderful superb film", "an awful dreadful film"])
    assert scores[0] > 0.5 > scores[1]


def test_hf_classifier_scorer_from_local_dir(tmp_path):
    model_dir = save_tiny_classifier(tmp_path / "clf")
    spec = {
        "kind": "hf_classifier",
        "model": str(model_dir),
        "positive_label": "positive",
        "batch_size": 4,
        "max_length": 32,
    }
    figures = build_scorer(spec, _labelled(20), tmp_path / "scorer")
    assert 0.0 <= figures["heldout_accuracy"] <= 1.0
    scores = load_scorer(tmp_path / "scorer").score(["a good film", "a bad film", "plot"])
    assert scores.shape == (3,) and ((scores > 0) & (scores < 1)).all()


def test_positive_label_by_name_or_index():
    class Config:
        id2label = {0: "NEGATIVE", 1: "POSITIVE"}

    assert positive_index(Config, "positive") == 1 and positive_index(Config, 0) == 0
    with pytest.raises(HookeError, match="positive_label 'happy'"):
        positive_index(Config, "happy")


def test_unknown_scorer_directory(tmp_path):
    with pytest.raises(HookeError, match="not a scorer directory"):
        load_scorer(tmp_path)
