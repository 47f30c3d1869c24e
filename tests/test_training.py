"""Training and generation pieces on hand-checkable inputs."""

from __future__ import annotations

import pytest
import torch
from helpers import tiny_tokenizer

from hooke.generate import _generated_mask
from hooke.train import slice_steps
from hooke.trainer import completion_dataset


def test_slice_steps_cut_the_epoch_evenly():
    assert slice_steps(9, 3) == {3: 1, 6: 2, 9: 3}
    assert slice_steps(10, 3) == {3: 1, 7: 2, 10: 3}
    with pytest.raises(ValueError):
        slice_steps(2, 3)


def test_generated_mask_stops_after_first_eos():
    generated = torch.tensor([[5, 6, 2, 0, 0], [5, 2, 7, 2, 0], [5, 6, 7, 8, 9]])
    mask = _generated_mask(generated, eos_id=2)
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]


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
