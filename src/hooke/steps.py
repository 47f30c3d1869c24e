"""A perturbation grid as optimizer steps, and the one check of a grid (the config check and
the perturbation runs both ask it here)."""

from __future__ import annotations

from collections.abc import Sequence

from hooke.errors import HookeError


def grid_steps(grid: Sequence[int], batch_size: int) -> dict[int, int]:
    """Optimizer step at which each grid point (examples seen) is reached: {step: examples}.
    Points that are not multiples of the batch size are refused, and a grid must reach past 0."""
    steps = {}
    for examples in sorted(set(grid)):
        if examples % batch_size:
            raise HookeError(
                f"config key 'rebound.grid': {examples} is not a multiple of "
                f"rebound.perturb.batch_size ({batch_size})"
            )
        if examples:
            steps[examples // batch_size] = examples
    if not steps:
        raise HookeError("config key 'rebound.grid': needs a point above 0")
    return steps
