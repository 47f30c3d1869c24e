"""Generic English text a user can reach offline, for the D_p readout of a real pre-trained
model (rebound.eval.pretrain_texts: python_docs; rule prepare_generic_text).

A model the pipeline pre-trains itself is read on held-out reviews of its own pre-training
task. A real model's pre-training corpus (SmolLM2: 2T tokens of FineWeb-Edu, DCLM, The Stack
and synthetic textbooks) cannot be fetched here, so its D_p readout needs English that is not
the alignment task's. The one such text every Python carries is its reference documentation,
the `pydoc_data.topics` module behind `help()`: ~460 kB of technical English prose (PSF
licence). Caveats, said wherever it is used: it is one narrow register of the web and of
textbooks, not a sample of any model's pre-training data, and its bytes are those of the
Python that runs the job (its version is recorded in the table)."""

from __future__ import annotations

import platform
import re

import pandas as pd

MIN_CHARS, MAX_CHARS = 200, 1000  # a readout text: a few sentences, not a one-line heading


def python_docs() -> pd.DataFrame:
    """The documentation's prose in texts of MIN_CHARS-MAX_CHARS characters: each topic's
    paragraphs in order, grammar rules and code examples (indented blocks) and headings
    dropped, joined until the next would pass MAX_CHARS. Columns: topic, text, python."""
    from pydoc_data.topics import topics

    rows = []
    for topic in sorted(topics):
        chunk = ""
        for paragraph in re.split(r"\n\s*\n", topics[topic]):
            if not _prose(paragraph):
                continue
            line = " ".join(paragraph.split())
            if chunk and len(chunk) + len(line) + 1 > MAX_CHARS:
                rows.append((topic, chunk))
                chunk = ""
            chunk = f"{chunk} {line}".strip()
        if chunk:
            rows.append((topic, chunk))
    frame = pd.DataFrame(rows, columns=["topic", "text"])
    frame = frame[frame.text.str.len() >= MIN_CHARS].drop_duplicates("text")  # topics share text
    frame = frame.reset_index(drop=True)
    return frame.assign(python=platform.python_version())


def _prose(paragraph: str) -> bool:
    """A paragraph of running text: not indented (code, grammar) nor an interactive example,
    not a heading (its underline of *, = or -), and with a sentence's full stop."""
    lines = [line for line in paragraph.splitlines() if line.strip()]
    if not lines or any(line.startswith((" ", "\t", ">>>", "...")) for line in lines):
        return False
    if any(set(line.strip()) <= set("*=-^") for line in lines):
        return False
    return "." in paragraph


SOURCES = {"python_docs": python_docs}  # rebound.eval.pretrain_texts, beside `task`


def prepare_generic_text(source: str) -> pd.DataFrame:
    return SOURCES[source]()
