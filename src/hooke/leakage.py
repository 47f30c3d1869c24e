"""Leakage between a task's splits (rule prepare_data; tasks.<task>.data.leakage): for every
ordered pair of splits, how many rows of one sit inside the text of the other — verbatim
(every word shingle of the row occurs there) or nearly (at least NEAR of its shingles do: a
review repeated with a suffix, a re-punctuated copy). Splits are disjoint by review, so what
this finds is the data set's own repeats: held-out text that a model has seen is read as
if it had not.

A row's shingles are its lower-cased word 8-grams, punctuation dropped (a row shorter than
that is one shingle, looked for among the other split's n-grams of its length), kept as
text (a hash would differ between processes or collide). A split's shingles are pooled, so
that a pool pair of 32 words is found inside the 230-word review it was cut from; pooled
containment can join shingles of different rows, which at 8 words is rare and errs toward
reporting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hooke.errors import HookeError

SHINGLE = 8  # words per shingle: long enough that ordinary prose does not repeat it
NEAR = 0.8  # the share of a row's shingles found elsewhere that makes it a near-duplicate
COLUMNS = ["split", "inside", "rows", "verbatim", "near"]


def split_texts(splits: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Each non-empty split's rows as the text a model reads: the review, or the prompt and
    its continuation."""
    texts = {}
    for name, frame in splits.items():
        if frame.empty:
            continue
        if "text" in frame:
            texts[name] = frame["text"].astype(str).tolist()
        else:
            texts[name] = (frame["prompt"] + " " + frame["response"]).astype(str).tolist()
    return texts


def words(text: str) -> list[str]:
    """Lower-cased words without their punctuation (a re-punctuated copy is a copy)."""
    return re.findall(r"\w+", text.lower())


def shingles(tokens: list[str], n: int = SHINGLE) -> set[str]:
    """The word n-grams of a row (a row shorter than n is its one shingle)."""
    if len(tokens) <= n:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def leakage_table(splits: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per ordered pair (split, inside): its rows, and how many of them occur
    verbatim or nearly inside the other split's text."""
    tokens = {name: [words(t) for t in ts] for name, ts in split_texts(splits).items()}
    pooled: dict[tuple[str, int], set[str]] = {}

    def seen(name: str, n: int) -> set[str]:  # a split's n-grams, built when first needed
        if (name, n) not in pooled:
            pooled[name, n] = set().union(*(shingles(row, n) for row in tokens[name]))
        return pooled[name, n]

    table = []
    for name, rows in tokens.items():
        sizes = [min(SHINGLE, max(len(row), 1)) for row in rows]
        own = [shingles(row, n) for row, n in zip(rows, sizes, strict=True)]
        for other in tokens:
            if other == name:
                continue
            shares = [
                len(row & seen(other, n)) / len(row) for row, n in zip(own, sizes, strict=True)
            ]
            table.append(
                {
                    "split": name,
                    "inside": other,
                    "rows": len(rows),
                    "verbatim": sum(share == 1.0 for share in shares),
                    "near": sum(share >= NEAR for share in shares),
                }
            )
    return pd.DataFrame(table, columns=COLUMNS)


def judge(table: pd.DataFrame, policy: str, where: str) -> str | None:
    """The warning a leaking table gives (None if nothing leaks or the check is off); under
    `error`, a HookeError with the same line."""
    leaking = table[table["near"] > 0]
    if policy == "off" or leaking.empty:
        return None
    worst = leaking.sort_values(["near", "split", "inside"], ascending=[False, True, True]).iloc[0]
    line = (
        f"{where}: {int(leaking['near'].sum())} rows over {len(leaking)} pairs of splits sit "
        f"inside another split's text (the most: {worst['near']} of {worst['rows']} "
        f"{worst['split']} rows inside {worst['inside']}, {worst['verbatim']} verbatim); "
        "see leakage.csv, deduplicate the data set, or set data.leakage"
    )
    if policy == "error":
        raise HookeError(line)
    return line


def warnings(results: str | Path) -> list[str]:
    """The warning line of each task whose leakage table (results/data/<task>/leakage.csv)
    counts a leak: what the run's end and the summary repeat of prepare_data's logs."""
    lines = []
    for path in sorted(Path(results).glob("data/*/leakage.csv")):
        table = pd.read_csv(path)
        line = judge(table, "warn", f"task '{path.parent.name}'") if len(table) else None
        if line:
            lines.append(line)
    return lines
