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


def test_cost_model_scores_the_head_at_the_last_token(tmp_path):
    import torch
    from helpers import save_tiny_cost_model, tiny_tokenizer

    folder, backbone, weight = save_tiny_cost_model(tmp_path / "cost")
    spec = {"kind": "cost_model", "model": str(folder), "batch_size": 2, "max_length": 64}
    figures = build_scorer(spec, _labelled(8), tmp_path / "scorer")
    assert figures["heldout_size"] == 8 and 0.0 <= figures["heldout_accuracy"] <= 1.0
    scorer = load_scorer(tmp_path / "scorer")
    texts = ["a good film", "a bad film with a dull plot and bad acting", "plot"]
    tokenizer = tiny_tokenizer()
    expected = []
    for text in texts:  # one at a time: no padding, the last token is the last position
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = backbone(**ids).last_hidden_state[0, -1]
        cost = float(hidden @ weight[0])
        expected.append(1 / (1 + np.exp(cost)))  # P(safe) = sigmoid(-cost)
    np.testing.assert_allclose(scorer.score(texts), expected, rtol=1e-4, atol=1e-6)
    extra = scorer.extra_metrics(np.array(expected))
    costs = [-np.log(p / (1 - p)) for p in expected]
    assert extra["mean_cost"] == pytest.approx(np.mean(costs), rel=1e-6)
    assert extra["unsafe_share"] == pytest.approx(np.mean([c > 0 for c in costs]))
    # a prompt goes through beaver's dialogue template
    with_prompt = scorer.score(["fine"], prompts=["how are you"])
    alone = scorer.score(["BEGINNING OF CONVERSATION: USER: how are you ASSISTANT:fine"])
    np.testing.assert_allclose(with_prompt, alone, rtol=1e-6)


def test_cost_model_without_its_head_fails_naming_the_tensor(tmp_path):
    from helpers import save_tiny_cost_model

    folder, _, _ = save_tiny_cost_model(tmp_path / "cost", head="value_head")
    spec = {"kind": "cost_model", "model": str(folder)}
    with pytest.raises(HookeError, match="no 'score_head.weight' tensor"):
        build_scorer(spec, _labelled(4), tmp_path / "scorer")


def test_keyword_refusal_scorer(tmp_path):
    spec = {"kind": "keyword", "keywords": None}
    labelled = pd.DataFrame(
        {"text": ["I'm sorry, I cannot help with that.", "Sure, here is how."], "label": [1, 0]}
    )
    figures = build_scorer(spec, labelled, tmp_path / "scorer")
    assert figures["heldout_accuracy"] == 1.0
    scorer = load_scorer(tmp_path / "scorer")
    assert scorer.score(["As an AI, I WON'T do that", "ok", "i can not"]).tolist() == [1, 0, 1]
    custom = build_scorer({"kind": "keyword", "keywords": ["nope"]}, labelled, tmp_path / "k2")
    assert custom["heldout_accuracy"] == 0.5


def test_tfidf_window_trains_on_windows_and_scores_the_first_window():
    from hooke.scorers.tfidf import windows

    texts, labels = windows(["a b c d e f g", "x y"], [1, 0], 3)
    assert texts == ["a b c", "d e f", "x y"] and labels.tolist() == [1, 1, 0]
    assert windows(["a b"], [1], None)[0] == ["a b"]


def test_tfidf_window_scorer_ignores_words_past_its_window(tmp_path):
    import pandas as pd

    words = {1: "good great fine nice", 0: "bad awful dull poor"}
    train = pd.DataFrame(
        {
            "text": [" ".join([words[i % 2]] * 5) for i in range(40)],
            "label": [i % 2 for i in range(40)],
        }
    )
    spec = {"kind": "tfidf", "seed": 0, "holdout": 0.25, "max_features": 100, "C": 4.0, "window": 4}
    figures = build_scorer(spec, train, tmp_path / "s")
    assert figures["heldout_accuracy"] == 1.0
    scorer = load_scorer(tmp_path / "s")
    # only the first 4 words count: a positive window followed by negative words stays positive
    assert scorer.score(["good great fine nice bad awful dull poor bad"])[0] > 0.5


def test_only_neural_scorers_make_their_jobs_import_torch(tmp_path):
    """A job scoring with tfidf or keywords starts without torch and transformers; one
    whose scorer folder holds no spec imports them, and its loading names the problem."""
    import pandas as pd

    from hooke.scorers import build_scorer, uses_torch

    assert uses_torch({"kind": "hf_classifier"}) and uses_torch({"kind": "cost_model"})
    assert not uses_torch({"kind": "tfidf"}) and not uses_torch({"kind": "keyword"})
    labelled = pd.DataFrame({"text": ["a good film", "a dull film"], "label": [1, 0]})
    build_scorer({"kind": "keyword", "keywords": ["good"]}, labelled, tmp_path / "kw")
    assert not uses_torch(tmp_path / "kw")
    assert uses_torch(tmp_path / "nothing")
