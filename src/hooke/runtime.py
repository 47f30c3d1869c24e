"""Process-wide settings every training or inference stage applies first."""

from __future__ import annotations

import os


def setup(threads: int, seed: int) -> None:
    """Fix the thread count and every random seed, and keep the run offline-friendly."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from transformers import set_seed

    torch.set_num_threads(max(1, int(threads)))
    set_seed(seed)
