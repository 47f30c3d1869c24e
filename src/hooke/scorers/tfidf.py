"""The offline sentiment scorer: TF-IDF features and logistic regression (scikit-learn),
trained by the pipeline on its own labelled split, tested on a held-out part of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.joblib"


class TfidfScorer:
    def __init__(self, pipeline):
        self.pipeline = pipeline

    def score(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))[:, 1]


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
    pipeline.fit(fit["text"].tolist(), fit["label"].to_numpy())
    joblib.dump(pipeline, out_dir / MODEL_FILE)
    scorer = TfidfScorer(pipeline)
    return {
        "heldout_accuracy": accuracy(scorer, test["text"].tolist(), test["label"].to_numpy()),
        "heldout_size": float(len(test)),
        "train_size": float(len(fit)),
    }


def load(spec: Mapping[str, Any], path: Path) -> TfidfScorer:
    import joblib

    # The file is the pipeline's own output (never downloaded), so unpickling it is safe.
    return TfidfScorer(joblib.load(path / MODEL_FILE))
