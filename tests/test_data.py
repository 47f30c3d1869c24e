"""Data preparation: disjoint, deterministic splits; the hub path on a local data set."""

from __future__ import annotations

import re

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
    assert len(bundled) == 25_000 - 98  # 98 repeated reviews dropped
    assert bundled["label"].value_counts().to_dict() == {0: 12_431, 1: 12_471}
    assert bundled["text"].str.lower().str.split().str.join(" ").is_unique
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
            # 8 rotations of the words, made distinct by the review's number (repeated texts
            # are dropped)
            text_column: [
                " ".join(words[(i + j) % 8] for j in range(40)) + f" review {i}"
                for i in range(rows)
            ],
            "sentiment": [i % 2 for i in range(rows)],
        }
    )
    folder = tmp_path / "imdb_local"
    folder.mkdir()
    data.to_parquet(folder / "train.parquet")
    return folder


def _local_spec(folder, size: int) -> dict:
    """The task data spec of `_local_dataset`'s folder, every split of about `size` rows."""
    return {
        "source": "hub",
        "seed": 0,
        "hub": {
            "path": str(folder),
            "split": "train",
            "text_column": "review",
            "label_column": "sentiment",
        },
        "sizes": {
            "pretrain": 2 * size,
            "positive": size,
            "negative": size,
            "prompts": size,
            "scorer": 2 * size,
        },
        "words": {"prompt": 5, "response": 10},
    }


def test_hub_path_reads_a_local_dataset(tmp_path):
    folder = _local_dataset(tmp_path)
    spec = _local_spec(folder, 50)
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


def _dialogue_dataset(tmp_path, labelled: bool = True):
    """A BeaverTails-shaped local data set: 60 prompts, each with 3 responses, safe or not."""
    rows = []
    for p in range(60):
        for r in range(3):
            row = {
                "prompt": f"question number {p} about topic {p % 7}",
                "response": f"answer {r} to question {p} " + "word " * 300,
            }
            if labelled:
                row["is_safe"] = (p + r) % 2 == 0
            rows.append(row)
    folder = tmp_path / ("dialogue" if labelled else "instructions")
    folder.mkdir()
    pd.DataFrame(rows).to_json(folder / "train.jsonl", orient="records", lines=True)
    return folder


def test_pairs_format_splits_by_prompt(tmp_path):
    folder = _dialogue_dataset(tmp_path)
    spec = {
        "source": "hub",
        "format": "pairs",
        "seed": 0,
        "hub": {
            "path": str(folder),
            "split": "train",
            "prompt_columns": ["prompt"],
            "response_column": "response",
            "label_column": "is_safe",
        },
        "sizes": {"pretrain": 10, "positive": 30, "negative": 30, "prompts": 10, "scorer": 20},
        "words": {"prompt": 64, "response": 50},
    }
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    assert prepare_data(spec, outputs) == {
        "pretrain": 10,
        "positive": 30,
        "negative": 30,
        "prompts": 10,
        "scorer": 20,
    }
    splits = {name: pd.read_parquet(path) for name, path in outputs.items()}
    assert set(splits["positive"]["label"]) == {1} and set(splits["negative"]["label"]) == {0}
    assert splits["positive"]["response"].str.split().str.len().max() == 50
    trained = set(splits["positive"]["prompt"]) | set(splits["negative"]["prompt"])
    held_out = set(splits["prompts"]["prompt"])
    assert len(held_out) == 10 and not held_out & trained  # no held-out prompt was trained on
    assert not set(splits["scorer"]["review_id"]) & set(splits["prompts"]["review_id"])
    again = {name: tmp_path / f"again-{name}.parquet" for name in SPLITS}
    prepare_data(spec, again)
    for name in SPLITS:
        pd.testing.assert_frame_equal(pd.read_parquet(again[name]), splits[name])


def test_pairs_without_labels_are_all_positive_and_join_prompt_columns(tmp_path):
    folder = tmp_path / "alpaca"
    folder.mkdir()
    rows = [
        {
            "instruction": f"Do task {i}.",
            "input": "" if i % 2 else f"data {i}",
            "output": f"done {i}",
        }
        for i in range(40)
    ]
    pd.DataFrame(rows).to_json(folder / "train.jsonl", orient="records", lines=True)
    spec = {
        "source": "hub",
        "format": "pairs",
        "seed": 1,
        "hub": {
            "path": str(folder),
            "prompt_columns": ["instruction", "input"],
            "response_column": "output",
            "label_column": None,
        },
        "sizes": {"pretrain": 0, "positive": 30, "negative": 0, "prompts": 10, "scorer": 0},
        "words": {"prompt": 64, "response": 64},
    }
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    counts = prepare_data(spec, outputs)
    assert counts["positive"] == 30 and counts["negative"] == 0 and counts["prompts"] == 10
    positive = pd.read_parquet(outputs["positive"])
    assert "Do task 0.\ndata 0" in set(positive["prompt"]) | set(
        pd.read_parquet(outputs["prompts"])["prompt"]
    )


def test_pairs_with_a_missing_column_name_it(tmp_path):
    folder = _dialogue_dataset(tmp_path, labelled=False)
    spec = {
        "source": "hub",
        "format": "pairs",
        "seed": 0,
        "hub": {"path": str(folder), "label_column": "is_safe"},
        "sizes": {"pretrain": 0, "positive": 1, "negative": 0, "prompts": 1, "scorer": 0},
        "words": {"prompt": 8, "response": 8},
    }
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    with pytest.raises(HookeError, match="has no column 'is_safe'"):
        prepare_data(spec, outputs)


def test_repeated_texts_are_dropped():
    from hooke.data import dedupe

    frame = pd.DataFrame(
        {"text": ["A good film", "a  good film", "a bad film"], "label": [1, 1, 0]}
    )
    assert dedupe(frame)["text"].tolist() == ["A good film", "a bad film"]


def test_leakage_is_counted_between_every_pair_of_splits(tmp_path):
    """A held-out pair inside a pre-training review (re-punctuated), a near-copy of a
    scorer review in the pre-training text (a suffix added): each counted in its pair of
    splits, verbatim or near; the policy warns, stops or keeps quiet."""
    from hooke.leakage import judge, leakage_table, warnings

    review = "so it began, a great start and a fine end to a story told with care and wit"
    splits = {
        "pretrain": pd.DataFrame({"text": [review, "an unrelated text about nothing much"]}),
        "positive": pd.DataFrame({"prompt": ["x y"], "response": ["z"]}),
        "negative": pd.DataFrame({"prompt": ["u"], "response": ["v w"]}),
        "prompts": pd.DataFrame(
            {
                "prompt": ["a great start and", "a new start"],
                "response": ["a fine end. To a story!", "w"],
            }
        ),
        "scorer": pd.DataFrame({"text": [review.replace("so it began, ", "") + " indeed"]}),
    }
    table = leakage_table(splits).set_index(["split", "inside"])
    assert table.loc[("prompts", "pretrain")].tolist() == [2, 1, 1]  # rows, verbatim, near
    # 8 of the scorer row's 9 shingles are in the pre-training text: near, not verbatim
    assert table.loc[("scorer", "pretrain")].tolist() == [1, 0, 1]
    assert table.loc[("positive", "negative")].tolist() == [1, 0, 0]
    assert len(table) == 5 * 4
    line = judge(table.reset_index(), "warn", "task 'imdb'")
    assert line.startswith("task 'imdb': ") and "inside pretrain" in line
    with pytest.raises(HookeError, match="task 'imdb': .* sit inside another split's text"):
        judge(table.reset_index(), "error", "task 'imdb'")
    assert judge(table.reset_index(), "off", "task 'imdb'") is None
    (tmp_path / "data" / "imdb").mkdir(parents=True)
    table.reset_index().to_csv(tmp_path / "data" / "imdb" / "leakage.csv", index=False)
    assert warnings(tmp_path) == [line]


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda d: d.assign(sentiment=[i % 3 for i in range(len(d))]),
            r"'sentiment' holds 133 labels that are not 0 or 1.*e\.g\. 2",
        ),
        (
            lambda d: d.assign(sentiment=["pos", "neg"] * (len(d) // 2)),
            r"'sentiment' holds 400 labels.*'pos', 'neg'",
        ),
        (
            lambda d: d.assign(review=["<br />"] + d.review.tolist()[1:]),
            r"'review' is blank in 1 of 400 rows \(the first: row 0\)",
        ),
    ],
)
def test_data_against_its_declaration_is_one_line(tmp_path, edit, expected):
    """Labels outside the task's classes (a third class, words for labels) and a review that
    is blank once its markup is cleaned: one line naming the data set and column, before
    any split is written (a third class once trained the scorer on rows no pole holds)."""
    folder = _local_dataset(tmp_path)
    path = folder / "train.parquet"
    edit(pd.read_parquet(path)).to_parquet(path)
    spec = _local_spec(folder, 10)
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    with pytest.raises(HookeError, match=f"data set '{re.escape(str(folder))}': column {expected}"):
        prepare_data(spec, outputs)
    assert not any(path.exists() for path in outputs.values())


def test_pairs_whose_prompt_column_is_blank_throughout_are_one_line(tmp_path):
    """A row with a blank part is dropped (Alpaca's empty inputs); a column blank in every
    row is a mistake in the declaration (the wrong column named), said in one line."""
    folder = tmp_path / "pairs"
    folder.mkdir()
    rows = [{"question": "  ", "answer": f"done {i}"} for i in range(20)]
    pd.DataFrame(rows).to_json(folder / "train.jsonl", orient="records", lines=True)
    spec = {
        "source": "hub",
        "format": "pairs",
        "seed": 0,
        "hub": {"path": str(folder), "prompt_columns": ["question"], "response_column": "answer"},
        "sizes": {"pretrain": 0, "positive": 10, "negative": 0, "prompts": 5, "scorer": 0},
        "words": {"prompt": 8, "response": 8},
    }
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    with pytest.raises(HookeError, match=r"column 'question' is blank in 20 of 20 rows"):
        prepare_data(spec, outputs)
    assert not any(path.exists() for path in outputs.values())


def test_a_leaking_data_set_stops_before_any_split_under_error_and_is_counted_under_warn(
    tmp_path, capsys
):
    """The local data set repeats its words in every review: under data.leakage error it
    stops with one line and writes nothing; under warn (the default) the table is written
    and the log says so."""
    folder = _local_dataset(tmp_path)
    spec = _local_spec(folder, 10)
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLITS}
    outputs["leakage"] = tmp_path / "leakage.csv"
    with pytest.raises(HookeError, match="task 'mine': .* sit inside another split's text"):
        prepare_data({**spec, "leakage": "error"}, outputs, "mine")
    assert not any(path.exists() for path in outputs.values())
    prepare_data(spec, outputs, "mine")
    table = pd.read_csv(outputs["leakage"])
    assert len(table) == 20 and table["near"].sum() > 0
    assert "hooke: warning: task 'mine': " in capsys.readouterr().out
