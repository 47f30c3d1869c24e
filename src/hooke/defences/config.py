"""The config check of the benchmark (config section `defences`): one line naming the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooke.defences import attacks
from hooke.errors import HookeError
from hooke.names import DEFENCES, ENGINES, check_aligner


def check_defences(config: Mapping[str, Any]) -> None:
    """The benchmark's methods are aligners or defences, its base exists, and each attack
    is either an engine as it is or names its engine (an engine's name with other settings
    would share its paths with Setting II's runs of that engine)."""
    setting = config.get("defences") or {}
    if not setting.get("methods"):
        return
    rebound = config.get("rebound")
    if not rebound:
        raise HookeError("config key 'defences.methods': the benchmark needs a rebound section")
    for name in setting["methods"]:
        check_aligner(name, rebound.get("plugins") or {}, "defences.methods", DEFENCES)
    for key, section in (("base", "bases"), ("task", "tasks")):
        name = setting.get(key)
        if name is not None and name not in config[section]:
            raise HookeError(f"config key 'defences.{key}': no {key} '{name}'")
    if not attacks(setting):
        raise HookeError("config key 'defences.attacks': the benchmark needs an attack")
    for name, attack in attacks(setting).items():
        key = f"defences.attacks.{name}"
        if name == "balanced":
            raise HookeError(f"config key '{key}': 'balanced' is the balanced control's name")
        if name in ENGINES and (
            set(attack) - {"algorithm"} or attack.get("algorithm") not in (None, name)
        ):
            raise HookeError(
                f"config key '{key}': '{name}' is an engine's name and runs rebound.perturb "
                "unchanged; give an attack with other settings its own name"
            )
        if name not in ENGINES and "algorithm" not in attack:
            raise HookeError(f"config key '{key}': needs its algorithm ({', '.join(ENGINES)})")
        if attack.get("algorithm", name) == "grpo" and "mix" in setting["methods"]:
            raise HookeError(f"config key '{key}': defence 'mix' cannot mix into grpo (no pool)")
