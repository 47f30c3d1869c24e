"""The shared Trainer pieces: completion-only SFT data."""

from __future__ import annotations

from helpers import tiny_tokenizer

from hooke.trainer import completion_dataset


def test_completion_labels_mask_the_prompt():
    tokenizer = tiny_tokenizer()
    data = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=64)
    ids, labels = data[0]["input_ids"], data[0]["labels"]
    n_prompt = len(tokenizer("a good film")["input_ids"])
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert labels[:n_prompt] == [-100] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:]
    short = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=4)
    assert len(short[0]["input_ids"]) == 4 == len(short[0]["labels"])
