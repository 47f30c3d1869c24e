"""Local pre-training (pretrain_slices): packed blocks and the model built for a tokenizer."""

from __future__ import annotations

import pytest
from helpers import TEXTS, tiny_tokenizer

from hooke.errors import HookeError
from hooke.paths import tokens_dir
from hooke.pretrain import build_model, pack


def test_pack_streams_texts_with_eos_into_full_blocks():
    tokenizer = tiny_tokenizer()
    blocks = pack(TEXTS[:8], tokenizer, context=16)
    stream = []
    for ids in tokenizer(TEXTS[:8])["input_ids"]:
        stream += [*ids, tokenizer.eos_token_id]
    assert len(blocks) == len(stream) // 16
    assert all(len(block) == 16 for block in blocks["input_ids"])
    assert sum(blocks["input_ids"], []) == stream[: 16 * len(blocks)]
    assert blocks["labels"] == blocks["input_ids"]
    with pytest.raises(HookeError, match="shorter than one context"):
        pack(["a"], tokenizer, context=64)


def test_build_model_fits_the_tokenizer_and_slices_are_named_by_tokens(tmp_path):
    tokenizer = tiny_tokenizer()
    arch = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1}
    model = build_model({**arch, "num_attention_heads": 2}, tokenizer, context=32)
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.eos_token_id == tokenizer.eos_token_id
    assert tokens_dir(tmp_path, 8192) == tmp_path / "tokens-8192"
