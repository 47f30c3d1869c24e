"""Likelihood readouts: teacher-forced code lengths on held-out text, with no sampling noise
(the same checkpoint and texts always give the same numbers). At every rebound checkpoint:

- bits per byte on held-out pre-training-distribution text (D_p: reviews no model trains on,
  the scorer split), and on held-out continuations of each pole (D_a: the aligning pole,
  D_t: the perturbing pole; real continuations of held-out prompts, conditioned on them);
- the margin, bpb(D_t) - bpb(D_a): how much better the model codes the aligned behaviour than
  the opposite one, the primary readout of the rebound (it falls as the model springs back).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.errors import HookeError
from hooke.paths import aligning_pool
from hooke.splits import drawn, read_split

POLE_LABEL = {"positive": 1, "negative": 0}


def heldout_texts(
    prompts_path: str | Path,
    scorer_path: str | Path,
    direction: str,
    n: int,
    seed: int | None = None,
) -> dict[str, Any]:
    """Held-out samples: `n` texts of D_p, and `n` (prompt, continuation) pairs of each pole
    from the held-out prompts, as the draw of `seed` orders them (hooke.splits.drawn; None:
    the splits' own order, the same texts for every seed)."""
    pretrain = drawn(read_split(scorer_path, ["text"]), seed, Path(scorer_path).stem)
    pretrain = pretrain["text"].head(n).tolist()
    prompts = read_split(prompts_path, ["prompt", "response", "label"])
    prompts = drawn(prompts, seed, Path(prompts_path).stem)
    aligned_label = POLE_LABEL[aligning_pool(direction)]
    poles = {
        "aligned": prompts[prompts.label == aligned_label].head(n),
        "perturbing": prompts[prompts.label != aligned_label].head(n),
    }
    for name, frame in poles.items():
        if frame.empty:
            raise HookeError(
                f"{prompts_path}: no held-out prompt of the {name} pole "
                f"(label {aligned_label if name == 'aligned' else 1 - aligned_label})"
            )
    return {"pretrain": pretrain, **poles}


def likelihood_readouts(
    model, tokenizer, texts: Mapping[str, Any], max_length: int
) -> dict[str, float]:
    """bpb and bits per token on D_p, D_a and D_t, and the margin bpb(D_t) - bpb(D_a)."""
    from hooke.measures import bits_per_byte, continuation_bits

    figures = {}
    per_byte, per_token = bits_per_byte(model, tokenizer, texts["pretrain"], max_length)
    figures["bpb_pretrain"], figures["bpt_pretrain"] = per_byte, per_token
    for name in ("aligned", "perturbing"):
        pairs: pd.DataFrame = texts[name]
        bits, tokens, n_bytes = continuation_bits(
            model, tokenizer, pairs.prompt.tolist(), pairs.response.tolist(), max_length
        )
        figures[f"bpb_{name}"] = float(bits.sum() / max(n_bytes.sum(), 1.0))
        figures[f"bpt_{name}"] = float(bits.sum() / max(tokens.sum(), 1.0))
    figures["margin"] = figures["bpb_perturbing"] - figures["bpb_aligned"]
    return figures
