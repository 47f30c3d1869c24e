"""Scoring (train_scorer, score_responses): a scorer built into its folder, and a harvest's
responses graded by it, as metrics rows."""

from __future__ import annotations

import pandas as pd
import pytest

from hooke.metrics import read_metrics
from hooke.score import score_responses, train_scorer

META = {"setting": "resistance", "base": "b", "task": "t", "seed": 0, "slice_k": 1}


def test_train_scorer_then_score_a_harvest(tmp_path):
    labelled = tmp_path / "scorer.parquet"
    pd.DataFrame({"text": ["a good film", "a dull film"], "label": [1, 0]}).to_parquet(labelled)
    spec = {"kind": "keyword", "keywords": ["good"]}
    figures = train_scorer(
        spec, labelled, tmp_path / "scorer", tmp_path / "scorer.metrics.parquet", {"task": "t"}
    )
    # The keyword scorer calls a text desirable when it holds a keyword: "good" is 1, "dull" 0.
    assert figures["heldout_accuracy"] == 1.0
    harvest = tmp_path / "harvest.parquet"
    pd.DataFrame(
        {"prompt": ["p"] * 4, "response": ["good", "so good", "bad", "dull plot"]}
    ).to_parquet(harvest)
    out = tmp_path / "scores.parquet"
    result = score_responses(tmp_path / "scorer", harvest, out, 0.5, {**META, "config_hash": "h"})
    assert result["mean_p_positive"] == pytest.approx(0.5)
    assert result["positive_share"] == pytest.approx(0.5)
    rows = read_metrics(out).to_pandas()
    assert set(rows.metric) >= {"mean_p_positive", "positive_share"}
    assert (rows.slice_k == 1).all() and (rows.setting == "resistance").all()
