"""The shared Trainer pieces: completion-only SFT data."""

from __future__ import annotations

import pytest
from helpers import tiny_tokenizer

from hooke.errors import HookeError
from hooke.trainer import completion_dataset


def test_completion_labels_mask_the_prompt():
    tokenizer = tiny_tokenizer()
    data = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=64)
    ids, labels = data[0]["input_ids"], data[0]["labels"]
    n_prompt = len(tokenizer("a good film")["input_ids"])
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert labels[:n_prompt] == [-100] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:]
    cut = n_prompt + 1  # room for one response token
    short = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=cut)
    assert len(short[0]["input_ids"]) == cut == len(short[0]["labels"])
    # no room for a response token in any example: nothing to train on, said in one line
    with pytest.raises(HookeError, match="all prompt"):
        completion_dataset(["a good film"], ["with"], tokenizer, n_prompt)


def test_examples_truncated_to_no_response_token_are_dropped():
    from hooke.trainer import token_dataset

    data = token_dataset([[1, 2, 3], [1, 2]], [[7, 8], [9]], max_length=3)
    # the first example's prompt fills all 3 tokens: nothing left to learn, dropped
    assert data["input_ids"] == [[1, 2, 9]] and data["labels"] == [[-100, -100, 9]]


def test_examples_all_prompt_after_truncation_fail_in_one_line():
    with pytest.raises(HookeError, match="every one of 2 examples is all prompt at max_length 3"):
        completion_dataset(["a good film", "a bad film"], ["yes", "no"], tiny_tokenizer(), 3)
