"""The names a config may use for its engines and defences, said once, and the check that a
name is one of them. The ground floor: it imports nothing of hooke but its errors, so the
config check, the defences and the jobs all read the names from here."""

from __future__ import annotations

from collections.abc import Iterable

from hooke.errors import HookeError

# Perturbation engines a config may name (hooke.engines builds them; `distill`, the
# apparatus's controls, is never named by a config), restated so that checking a config
# imports no pandas (test_the_config_check_and_the_schema_name_the_engines_hooke_has holds
# them equal to hooke.engines' table). GRPO needs a reward, not a pool.
ALIGNING_ENGINES = ("sft", "dpo", "kto", "simpo")
ENGINES = (*ALIGNING_ENGINES, "grpo")

# Defences (hooke.defences): alignment-stage ones align in their own way; fine-tuning-stage
# ones keep plain SFT alignment and guard the perturbation.
ALIGNMENT_STAGE = ("vaccine", "repnoise", "booster")
PERTURBATION_STAGE = ("anchor", "mix")
DEFENCES = ALIGNMENT_STAGE + PERTURBATION_STAGE
# Defences that read the weights themselves (Booster's gradients, the anchor's distance): their
# jobs run ZeRO-2 where the config asks for ZeRO-3, which partitions the weights.
WHOLE_WEIGHTS = ("booster", "anchor")


def check_aligner(name: str, plugins: Iterable[str], key: str, defences: Iterable[str]) -> None:
    """`name` is an engine that learns from the pools, one of `defences` or a plugin."""
    known = [*ALIGNING_ENGINES, *defences, *plugins]
    if name not in known:
        raise HookeError(
            f"config key '{key}': '{name}' is neither an engine, a defence nor a key of "
            f"rebound.plugins (known: {', '.join(known)})"
        )
