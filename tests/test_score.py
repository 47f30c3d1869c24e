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


@pytest.mark.parametrize("lockstep", [True, False])
def test_score_rebound_samples_only_where_asked(tmp_path, monkeypatch, lockstep):
    """Likelihood readouts at every grid point; sampled readouts (task score, KL to the
    base) only at the points of eval.sample_at; the KL read in lock-step (CPU) or after the
    sampling (GPU)."""
    import shutil

    import hooke.score

    monkeypatch.setattr(hooke.score, "_reads_in_lockstep", lambda model: lockstep)

    from helpers import TEXTS, save_tiny_lm

    from hooke.paths import checkpoint_dir
    from hooke.score import score_rebound

    model = save_tiny_lm(tmp_path / "base")
    for examples in (8, 16):
        shutil.copytree(model, checkpoint_dir(tmp_path / "run", examples))
    pairs = pd.DataFrame(
        {
            "prompt": [t.split(" with ")[0] for t in TEXTS[:8]],
            "response": [t for t in TEXTS[:8]],
            "label": [1, 0] * 4,
        }
    )
    pairs.to_parquet(tmp_path / "prompts.parquet")
    pd.DataFrame({"text": TEXTS[:8], "label": [1, 0] * 4}).to_parquet(tmp_path / "held.parquet")
    spec = {"kind": "keyword", "keywords": ["good"]}
    train_scorer(spec, tmp_path / "held.parquet", tmp_path / "scorer", tmp_path / "m.parquet", {})
    params = {
        "prompts": 4,
        "max_new_tokens": 4,
        "temperature": 1.0,
        "top_p": 1.0,
        "batch_size": 4,
        "max_length": 32,
        "compression_texts": 4,
        "threshold": 0.5,
        "sample_at": [0, 16],
    }
    meta = {"setting": "rebound", "base": "b", "task": "t", "seed": 0, "n": 8}
    meta.update(direction="positive_first", algorithm="sft", config_hash="h")
    frame = score_rebound(
        model,
        model,
        tmp_path / "run",
        tmp_path / "prompts.parquet",
        tmp_path / "scorer",
        tmp_path / "scores.parquet",
        [0, 8, 16],
        params,
        meta,
        data={"aligned": tmp_path / "prompts.parquet", "heldout": tmp_path / "held.parquet"},
        pretrain_tokens=None,
    )
    at = frame.groupby("metric").n_neg.apply(set)
    assert at["margin"] == at["bpb_pretrain"] == {0, 8, 16}
    assert at["mean_p_positive"] == at["kl_to_base"] == {0, 16}
    kl = frame[frame.metric == "kl_to_base"].value
    assert (kl.abs() < 1e-5).all()  # every checkpoint here is the base itself
