"""Generic English for a real model's D_p readout (hooke.generic_text): the Python
documentation's prose, in readout-sized texts, read by the likelihood readouts as D_p."""

from __future__ import annotations

import platform

import pandas as pd

from hooke import generic_text
from hooke.readouts import heldout_texts


def test_python_docs_are_prose_texts_of_readout_size():
    texts = generic_text.python_docs()
    assert len(texts) >= 200 and texts.topic.nunique() >= 50
    assert (texts.text.str.len() >= generic_text.MIN_CHARS).all()
    assert not texts.text.str.contains("\n").any()  # one line of running text each
    assert not texts.text.str.contains(">>>").any()  # no interactive examples
    assert not texts.text.str.match(r"\s").any() and texts.text.is_unique
    assert (texts.python == platform.python_version()).all()
    pd.testing.assert_frame_equal(texts, generic_text.python_docs())  # the same every time


def test_the_readouts_take_their_d_p_from_the_generic_texts(tmp_path):
    docs = tmp_path / "python_docs.parquet"
    generic_text.python_docs().to_parquet(docs)
    prompts = tmp_path / "prompts.parquet"
    pd.DataFrame({"prompt": ["a", "b"], "response": ["good", "bad"], "label": [1, 0]}).to_parquet(
        prompts
    )
    texts = heldout_texts(prompts, docs, "positive_first", 8, seed=3)
    assert len(texts["pretrain"]) == 8
    assert set(texts["pretrain"]) <= set(generic_text.python_docs().text)
    assert texts["pretrain"] != heldout_texts(prompts, docs, "positive_first", 8, 4)["pretrain"]


def test_the_schema_names_every_source_and_only_those():
    import yaml
    from conftest import ROOT

    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    rebound = schema["properties"]["rebound"]["properties"]
    enum = rebound["eval"]["properties"]["pretrain_texts"]["enum"]
    assert enum == ["task", *generic_text.SOURCES]
