"""The names on a rebound run's {algorithm} axis beyond the engines and the benchmark's
attacks, said once: the controls of the apparatus and the learning-rate sensitivity.

- `balanced`: SFT on both poles in turn (rebound.controls: balanced);
- `distill_base`: distillation toward the base's next-token distributions on the perturbing
  texts, a pull whose fixed point is the base (the positive control: an aligned model must
  return, the base control stay flat); `distill_self`: toward the model's own starting
  distributions, a fixed point from the first step (the null control: whatever moves is the
  training path's own drift) (rebound.controls: distill);
- `<name>-lr<f>x`: run `<name>` at f times its learning rate (rebound.lr_factors).

No heavy imports: the Snakefile's grid and the metrics layer read it."""

from __future__ import annotations

import re

BALANCED = "balanced"
REBOUND_CONTROL = "rebound_control"
REBOUND_BALANCED = "rebound_balanced"
REBOUND_DISTILL = "rebound_distill"
REBOUND_LR = "rebound_lr"
DISTILL = {"distill_base": "base", "distill_self": "self"}
_FACTOR = re.compile(r"^(?P<root>.+)-lr(?P<factor>[0-9.]+)x$")


def named(root: str, factor: float = 1.0) -> str:
    """The {algorithm} name of `root` at `factor` times its learning rate."""
    return root if factor == 1 else f"{root}-lr{factor:g}x"


def parse(name: str) -> tuple[str, float]:
    """(root, learning-rate factor) of an {algorithm} name."""
    match = _FACTOR.match(name)
    if not match:
        return name, 1.0
    return match["root"], float(match["factor"])


def setting(n: int, name: str | None = None) -> str:
    """The metrics `setting` of a rebound run aligned on `n` examples: the aligned runs the
    verdicts read (rebound), the base control (rebound_control, n = 0), and apart from both
    the balanced control, the distillation controls and the learning-rate variants."""
    root, factor = parse(name or "")
    if root == BALANCED:
        return REBOUND_BALANCED
    if root in DISTILL:
        return REBOUND_DISTILL
    if factor != 1:
        return REBOUND_LR
    return REBOUND_CONTROL if n == 0 else "rebound"
