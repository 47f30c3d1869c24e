"""Harvest (harvest_responses): what counts as a generated response."""

from __future__ import annotations

import torch

from hooke.generate import _generated_mask


def test_generated_mask_stops_after_first_eos():
    generated = torch.tensor([[5, 6, 2, 0, 0], [5, 2, 7, 2, 0], [5, 6, 7, 8, 9]])
    mask = _generated_mask(generated, eos_id=2)
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]
