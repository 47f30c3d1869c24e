"""Fine-tuning-stage defences: what the party that fine-tunes an aligned model can do while
the perturbing data go in (rebound runs whose method is `anchor` or `mix` perturb the plainly
SFT-aligned model, guarded).

- anchor: L2-SP (Li, Grandvalet & Davoine, 2018), the perturbation's loss plus
  alpha * ||theta - theta_aligned||^2 over the trained weights: a pull back to where the
  alignment left them, for any engine (the trainer class is extended, not replaced);
- mix: safety-data mixing, `share` aligning-pole examples per perturbing example in the same
  stream (for DPO-style engines as reversed pairs: the aligning answer chosen, a perturbing
  one rejected). Each step takes batch_size perturbing examples and their mixed share, so the
  grid still counts perturbing examples seen (on average per step: the engines' samplers
  shuffle)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from hooke.errors import HookeError


def anchored(trainer_class, alpha: float):
    """`trainer_class` with the L2-SP pull toward the weights it starts from."""

    class Anchored(trainer_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.anchor_alpha = alpha
            self.anchor = {
                name: p.detach().clone()
                for name, p in self.model.named_parameters()
                if p.requires_grad
            }

        def anchor_penalty(self, model):
            return sum(
                (p - self.anchor[name]).pow(2).sum()
                for name, p in model.named_parameters()
                if name in self.anchor
            )

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss, outputs = super().compute_loss(
                model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
            )
            if model.training:
                scale = 1.0 / self.args.gradient_accumulation_steps
                loss = loss + scale * self.anchor_alpha * self.anchor_penalty(model)
            return (loss, outputs) if return_outputs else loss

    Anchored.__name__ = f"Anchored{trainer_class.__name__}"
    return Anchored


def mixed_share(batch_size: int, share: float) -> int:
    """Aligning examples added to each step of batch_size perturbing examples."""
    return math.ceil(share * batch_size) if share > 0 else 0


def mix(
    perturb: pd.DataFrame,
    opposite: pd.DataFrame,
    aligning: pd.DataFrame,
    batch_size: int,
    share: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The perturbing and opposite frames with the aligning pole mixed in, step by step:
    after each batch_size perturbing rows, mixed_share of them from `aligning` (whose opposite
    side is the perturbing answer of the same position: a reversed pair)."""
    extra = mixed_share(batch_size, share)
    steps = math.ceil(len(perturb) / batch_size)
    if len(aligning) < steps * extra:
        raise HookeError(
            f"defences.mix: {steps * extra} aligning examples needed, the pool holds "
            f"{len(aligning)}"
        )
    chunks, sides = [], []
    for step in range(steps):
        rows = slice(step * batch_size, (step + 1) * batch_size)
        safe = aligning.iloc[step * extra : (step + 1) * extra]
        chunks += [perturb.iloc[rows], safe]
        reversed_side = perturb.iloc[step * extra : (step + 1) * extra]
        sides += [opposite.iloc[rows], reversed_side.assign(prompt=safe.prompt.to_numpy())]
    columns = ["prompt", "response"]
    return (
        pd.concat([c[columns] for c in chunks], ignore_index=True),
        pd.concat([s[columns] for s in sides], ignore_index=True),
    )


def guard_settings(guard: Mapping[str, Any] | None) -> tuple[str | None, dict[str, Any]]:
    """(the guard's name, its hyper-parameters) of a fine-tuning-stage defence spec."""
    if not guard:
        return None, {}
    return guard["defence"], dict(guard["params"])
