"""The offline sentiment scorer: TF-IDF features and logistic regression (scikit-learn),
trained by the pipeline on its own labelled split, tested on a held-out part of it.

With a `window` (words), it is trained and tested on the consecutive windows of that many
words of each review (labelled as their review), and it scores the first `window` words of
each text: a scorer fitted on full reviews is miscalibrated on 40-word continuations (their
P(positive) shrinks toward 0.5 and depends on length), and responses of different lengths
would not compare. Its held-out accuracy is then measured on windows, as it is used."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.joblib"


class TfidfScorer:
    def __init__(self, pipeline, window: int | None = None):
        self.pipeline, self.window = pipeline, window

    def score(self, texts: list[str]) -> np.ndarray:
        if self.window:
            texts = [" ".join(str(t).split()[: self.window]) for t in texts]
        return self.pipeline.predict_proba(list(texts))[:, 1]


def windows(texts: list[str], labels, window: int | None) -> tuple[list[str], np.ndarray]:
    """Every text cut into consecutive windows of `window` words (a shorter tail window is
    kept only when it is the whole text), each with its text's label; unchanged without a
    window."""
    labels = np.asarray(labels)
    if not window:
        return list(texts), labels
    out, out_labels = [], []
    for text, label in zip(texts, labels, strict=True):
        words = str(text).split()
        starts = range(0, max(1, len(words) - window + 1), window)
        for start in starts:
            out.append(" ".join(words[start : start + window]))
            out_labels.append(label)
    return out, np.asarray(out_labels)


def build(spec: Mapping[str, Any], train, out_dir: Path) -> dict[str, float]:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from hooke.scorers.base import accuracy

    fit, test = train_test_split(
        train, test_size=spec["holdout"], random_state=spec["seed"], stratify=train["label"]
    )
    pipeline = make_pipeline(
        TfidfVectorizer(max_features=spec["max_features"], ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=spec["C"], max_iter=1000),
    )
    window = spec.get("window")
    pipeline.fit(*windows(fit["text"].tolist(), fit["label"], window))
    joblib.dump(pipeline, out_dir / MODEL_FILE)
    scorer = TfidfScorer(pipeline, window)
    test_texts, test_labels = windows(test["text"].tolist(), test["label"], window)
    return {
        # on held-out windows of the responses' length when a window is set
        "heldout_accuracy": accuracy(scorer, test_texts, test_labels),
        "heldout_size": float(len(test)),
        "train_size": float(len(fit)),
    }


def load(spec: Mapping[str, Any], path: Path) -> TfidfScorer:
    import joblib

    # The file is the pipeline's own output (never downloaded), so unpickling it is safe.
    return TfidfScorer(joblib.load(path / MODEL_FILE), spec.get("window"))
