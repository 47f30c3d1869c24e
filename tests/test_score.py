"""Scoring (train_scorer, score_responses, score_rebound): a scorer built into its folder,
and a harvest's or a perturbation run's responses graded by it, as metrics rows."""

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
        # the last response ends inside a multi-byte character, decoded as U+FFFD
        {"prompt": ["p"] * 4, "response": ["good", "so good", "bad", "dull plot \ufffd"]}
    ).to_parquet(harvest)
    out = tmp_path / "scores.parquet"
    result = score_responses(tmp_path / "scorer", harvest, out, 0.5, {**META, "config_hash": "h"})
    assert result["mean_p_positive"] == pytest.approx(0.5)
    assert result["positive_share"] == pytest.approx(0.5)
    rows = read_metrics(out).to_pandas()
    assert set(rows.metric) >= {"mean_p_positive", "positive_share", "invalid_utf8_share"}
    # scored as decoded, the broken bytes counted beside the score
    assert result["invalid_utf8_share"] == pytest.approx(0.25)
    assert (rows.slice_k == 1).all() and (rows.setting == "resistance").all()


@pytest.mark.parametrize("lockstep", [True, False])
def test_a_run_samples_only_where_asked_and_score_rebound_grades_it(
    tmp_path, monkeypatch, lockstep
):
    """Likelihood readouts at every grid point; sampled readouts (KL to the base, and the
    task score that score_rebound adds from the written responses, loading no model) only
    at the points of eval.sample_at; the KL read in lock-step (CPU) or after the sampling
    (GPU)."""
    import hooke.score

    monkeypatch.setattr(hooke.score, "_reads_in_lockstep", lambda model: lockstep)

    from helpers import readout_spec, save_tiny_lm

    from hooke.grid_readouts import GridReader
    from hooke.metrics import write_metrics
    from hooke.models import load_model, load_tokenizer
    from hooke.score import score_rebound

    folder = save_tiny_lm(tmp_path / "base")
    spec = readout_spec(tmp_path, folder, tmp_path / "prompts.parquet", sample_at=[0, 16])
    scorer = {"kind": "keyword", "keywords": ["good"]}
    train_scorer(scorer, spec.heldout_path, tmp_path / "scorer", tmp_path / "m.parquet", {})
    meta = {"setting": "rebound", "base": "b", "task": "t", "seed": 0, "n": 8}
    meta.update(direction="positive_first", algorithm="sft", config_hash="h")
    reader = GridReader(spec, load_tokenizer(folder), meta, tmp_path / "work")
    model = load_model(folder)  # every grid point here is the base itself
    for examples in (0, 8, 16):
        reader.at(model, examples)
    table, responses = reader.collect([0, 8, 16])
    write_metrics(table, tmp_path / "readouts.parquet")
    responses.to_parquet(tmp_path / "responses.parquet")
    assert set(responses.step) == {0, 16} and len(responses) == 2 * 4
    scored = {k: v for k, v in meta.items() if k != "n"}
    frame = score_rebound(
        tmp_path / "readouts.parquet",
        tmp_path / "responses.parquet",
        tmp_path / "scorer",
        tmp_path / "scores.parquet",
        0.5,
        {**scored, "config_hash": "s"},
    )
    at = frame.groupby("metric").n_neg.apply(set)
    assert at["margin"] == at["bpb_pretrain"] == {0, 8, 16}
    assert at["mean_p_positive"] == at["kl_to_base"] == {0, 16}
    assert frame.n_pos.eq(8).all()
    kl = frame[frame.metric == "kl_to_base"].value
    assert (kl.abs() < 1e-5).all()
    per_response = frame[frame.metric == "response_p_positive"]
    assert len(per_response) == 2 * 4 and set(per_response["item"]) == set(range(4))
    assert set(frame[frame.metric == "mean_p_positive"].config_hash) == {"s"}
