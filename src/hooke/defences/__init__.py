"""Defences against harmful fine-tuning, measured by how fast the alignment they give springs
back (the elasticity benchmark: config `defences`, rule rank_defences).

Two stages, as in the literature:
- alignment-stage defences align the base in their own way on the aligning pole and are
  aligners like sft (rebound.aligners, defences.methods): `vaccine` (Huang et al., 2024),
  `repnoise` (Rosati et al., 2024), `booster` (Huang et al., 2024b);
- fine-tuning-stage defences keep plain SFT alignment and change the perturbation itself:
  `anchor` (an L2-SP pull toward the aligned weights, Li et al., 2018) and `mix` (a share of
  aligning-pole examples mixed into the perturbing stream, "safety data mixing").

Each one's hyper-parameters sit under its name in the config's `defences` section, named as
in its paper, with the paper's defaults (DEFAULTS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooke.names import ALIGNMENT_STAGE, DEFENCES, PERTURBATION_STAGE, WHOLE_WEIGHTS

__all__ = [
    "ALIGNMENT_STAGE",
    "DEFAULTS",
    "DEFENCES",
    "PERTURBATION_STAGE",
    "WHOLE_WEIGHTS",
    "alignment_of",
    "attacks",
    "is_defence",
    "spec",
]

# The papers' defaults (their released code for the LLM settings).
DEFAULTS: dict[str, dict[str, float]] = {
    "vaccine": {"rho": 2.0},  # perturbation intensity on the hidden embeddings
    "repnoise": {"alpha": 1.0, "beta": 0.001},  # ascent weight, noise (MMD) weight
    "booster": {"lamb": 5.0, "alpha": 0.1},  # regulariser intensity, simulated step size
    "anchor": {"alpha": 0.1},  # L2-SP weight on ||theta - theta_aligned||^2
    "mix": {"share": 0.25},  # aligning examples mixed per perturbing example
}


def attacks(setting: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The benchmark's attacks by name: `defences.attacks` as named, then the cross product of
    `defences.attack_grid` (algorithms x learning rates x LoRA or not), each named
    `<algorithm>-lr<rate>-<full|lora-r<rank>>`."""
    setting = setting or {}
    named = {name: dict(spec or {}) for name, spec in (setting.get("attacks") or {}).items()}
    grid = setting.get("attack_grid") or {}
    if not grid:
        return named
    for algorithm in grid["algorithms"]:
        for rate in grid["learning_rates"]:
            for lora in grid.get("lora") or [None]:
                kind = f"lora-r{lora.get('r', 16)}" if lora else "full"
                entry = {"algorithm": algorithm, "learning_rate": rate}
                named[f"{algorithm}-lr{rate:g}-{kind}"] = {
                    **entry,
                    **({"lora": lora} if lora else {}),
                }
    return named


def spec(name: str, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """A defence as the jobs receive it: its name and its hyper-parameters (the config's
    `defences.<name>` over the defaults)."""
    return {"defence": name, "params": {**DEFAULTS[name], **(settings or {})}}


def is_defence(aligner) -> bool:
    return isinstance(aligner, Mapping) and "defence" in aligner


def alignment_of(method: str) -> str:
    """The aligner whose aligned model a method perturbs: a fine-tuning-stage defence guards
    the perturbation of a plainly SFT-aligned model (one aligned model serves them all)."""
    return "sft" if method in PERTURBATION_STAGE else method
