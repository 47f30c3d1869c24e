"""Data preparation: disjoint, deterministic splits; the hub path on a local data set."""

from __future__ import annotations

import pandas as pd
import pytest

from hooke.data import SPLITS, clean_text, cut_pair, load_reviews, prepare_data, split_reviews
from hooke.errors import HookeError

SPEC = {
    "source": "bundled",
    "seed": 3,
    "sizes": {"pretrain": 200, "positive": 50, "negative": 40, "prompts": 30, "scorer": 100},
    "words": {"prompt": 8, "response": 20},
}


@pytest.fixture(scope="module")
def bundled():
    return load_reviews(SPEC)


def test_bundled_imdb(bundled):
    assert len(bundled) == 25_000
    assert bundled["label"].value_counts().to_dict() == {0: 12_500, 1: 12_500}
    assert not bundled["text"].str.contains("<br", regex=False).any()


def test_splits_disjoint_and_sized(bundled):
    splits = split_reviews(bundled, SPEC)
    ids = [set(splits[name]["review_id"]) for name in SPLITS]
    assert sum(len(i) for i in ids) == len(set().union(*ids))
    assert (splits["positive"]["label"] == 1).all() and (splits["negative"]["label"] == 0).all()
    for name, key in [
        ("pretrain", "pretrain"),
        ("positive", "positive"),
        ("negative", "negative"),
        ("prompts", "prompts"),
        ("scorer", "scorer"),
    ]:
        assert len(splits[name]) == SPEC["sizes"][key]
    assert splits["positive"]["prompt"].str.split().str.len().eq(8).all()


def test_splits_deterministic(bundled):
    first, second = split_reviews(bundled, SPEC), split_reviews(bundled, SPEC)
    for name in SPLITS:
        pd.testing.assert_frame_equal(first[name], second[name])
    other = split_reviews(bundled, {**SPEC, "seed": 4})
    assert set(other["positive"]["review_id"]) != set(first["positive"]["review_id"])


def test_too_few_reviews_names_the_key(bundled):
    spec = {**SPEC, "sizes": {**SPEC["sizes"], "prompts": 10**6}}
    with pytest.raises(HookeError, match="sizes.prompts"):
        split_reviews(bundled, spec)


def test_text_helpers():
    assert clean_text("a<br /><br />b  c") == "a b c"
    assert cut_pair("one two three four five", 2, 2) == ("one two", "three four")
    assert cut_pair("one two", 2, 4) is None


def _local_dataset(tmp_path, rows=400, text_column="review"):
    words = "good bad film plot actor scene story music".split()
    data = pd.DataFrame(
        {
            text_column: [" ".join(words[(i + j) % 8] for j in range(40)) for i in range(rows)],
            "sentiment": [i % 2 for i in range(rows)],
        }
    )
    folder = tmp_path / "imdb_local"
    folder.mkdir()
    data.to_parquet(folder / "train.parquet")
    return folder


def test_hub_path_reads_a_local_dataset(tmp_path):
    folder = _local_dataset(tmp_path)
    spec = {
        "source": "hub",
        "seed": 0,
        "hub": {
            "path": str(folder),
            "split": "train",
            "text_column": "review",
            "label_column": "sentiment",
        },
        "sizes": {"pretrain": 100, "positive": 50, "negative": 50, "prompts": 50, "scorer": 100},
        "words": {"prompt": 5, "response": 10},
    }
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    counts = prepare_data(spec, outputs)
    assert counts == {"pretrain": 100, "positive": 50, "negative": 50, "prompts": 50, "scorer": 100}
    assert pd.read_parquet(outputs["positive"]).columns.tolist() == [
        "review_id",
        "prompt",
        "response",
        "label",
    ]


def test_hub_path_missing_column(tmp_path):
    folder = _local_dataset(tmp_path)
    spec = {"source": "hub", "hub": {"path": str(folder), "text_column": "text"}}
    with pytest.raises(HookeError, match="has no column 'text'"):
        load_reviews(spec)
