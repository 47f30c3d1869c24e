"""The config check's sizes (hooke.config.check_config): what the stages take from a task's
splits, and from each other's outputs, fits in what they take it from, checked before any
job runs rather than when a job meets a short pool after hours upstream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooke.errors import HookeError
from hooke.paths import POOLS


def check_sizes(config: Mapping[str, Any]) -> None:
    """What the stages take from a task's splits fits in those splits, checked before any job
    runs (not when a job meets a short pool after hours upstream)."""
    wants = []
    setting = config["resistance"]
    for task in setting["tasks"]:
        wants += [
            (task, "positive", setting["sft"]["examples"], "resistance.sft.examples"),
            (task, "prompts", setting["harvest"]["prompts"], "resistance.harvest.prompts"),
        ]
    check_inverse_examples(setting)
    rebound = config.get("rebound")
    if rebound:
        for task in rebound["tasks"]:
            for direction in rebound.get("directions", ["positive_first"]):
                aligning, perturbing = POOLS[direction]
                burn = rebound["perturb"].get("burn_in_steps", 0) * rebound["perturb"]["batch_size"]
                key = "rebound.grid" + (" and rebound.perturb.burn_in_steps" if burn else "")
                wants += [
                    (task, aligning, max(rebound["volumes"]), "rebound.volumes"),
                    (task, perturbing, max(rebound["grid"]) + burn, key),
                ]
            wants.append((task, "prompts", rebound["eval"]["prompts"], "rebound.eval.prompts"))
        defences = config.get("defences") or {}
        if defences.get("methods"):
            task = defences.get("task") or rebound["tasks"][0]
            aligning = POOLS[rebound.get("directions", ["positive_first"])[0]][0]
            wants.append((task, aligning, defences["volume"], "defences.volume"))
    for task, split, n, key in wants:
        size = config["tasks"][task]["data"]["sizes"][split]
        if n is not None and n > size:
            raise HookeError(
                f"config key '{key}': {n} exceeds tasks.{task}.data.sizes.{split} ({size})"
            )


def check_inverse_examples(setting: Mapping[str, Any]) -> None:
    """Each inverse path takes `steps` batches of the harvested responses that are not held
    back for evaluation: the harvest must answer that many prompts."""
    inverse, prompts = setting["inverse"], setting["harvest"]["prompts"]
    if inverse.get("steps") is None:
        return
    need = inverse["steps"] * inverse["batch_size"]
    left = prompts - inverse["eval_prompts"]
    if need > left:
        raise HookeError(
            f"config key 'resistance.inverse.steps': {inverse['steps']} steps of "
            f"{inverse['batch_size']} need {need} training responses, but "
            f"resistance.harvest.prompts ({prompts}) less inverse.eval_prompts "
            f"({inverse['eval_prompts']}) leaves {left}"
        )
