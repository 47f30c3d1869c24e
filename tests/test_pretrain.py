"""Local pre-training (pretrain_slices): packed blocks and the model built for a tokenizer."""

from __future__ import annotations

import pytest
from helpers import TEXTS, tiny_tokenizer

from hooke.errors import HookeError
from hooke.paths import tokens_dir
from hooke.pretrain import MODEL_TYPES, build_model, pack


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


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_every_listed_family_builds_at_the_configured_shape_and_learns(model_type):
    """architecture.model_type picks the family; the shape keys mean the same in each, and
    one optimizer step on a batch lowers that batch's loss."""
    import torch

    tokenizer = tiny_tokenizer()
    arch = {"model_type": model_type, "hidden_size": 16, "intermediate_size": 32}
    model = build_model({**arch, "num_hidden_layers": 1, "num_attention_heads": 2}, tokenizer, 32)
    assert model.config.model_type == model_type
    assert model.config.hidden_size == 16 and model.config.num_hidden_layers == 1
    ids = torch.tensor(pack(TEXTS[:8], tokenizer, context=16)["input_ids"][:4])
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    before = model(input_ids=ids, labels=ids).loss
    before.backward()
    optimizer.step()
    with torch.no_grad():
        assert model(input_ids=ids, labels=ids).loss < before


def test_schema_lists_the_families_the_code_builds():
    import yaml
    from conftest import ROOT

    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    run = schema["properties"]["pretrain"]["additionalProperties"]
    listed = run["properties"]["architecture"]["properties"]["model_type"]["enum"]
    assert tuple(listed) == MODEL_TYPES
    with pytest.raises(HookeError, match="model_type 'gpt2' is not one of"):
        build_model(
            {
                "model_type": "gpt2",
                "hidden_size": 16,
                "intermediate_size": 32,
                "num_hidden_layers": 1,
                "num_attention_heads": 2,
            },
            tiny_tokenizer(),
            32,
        )
