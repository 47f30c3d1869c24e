"""What a job of Setting II receives from the config, said once: the perturbation's engine
and settings (rebound.perturb, a named attack of the benchmark over it, or a control of the
apparatus, at a multiple of its learning rate), the aligner, a defence's settings, and what
the verdicts read of the design. Pure Python over the config, like hooke.grid: the rules'
params call these, so that a reader (and a test) sees a job's settings without Snakemake."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooke import defences, grid, variants
from hooke.config import canonical

Config = Mapping[str, Any]


def with_draw(config: Config, section: Mapping[str, Any]) -> dict[str, Any]:
    """A rebound settings section with how the runs draw their texts (rebound.draw)."""
    return {**section, "draw": config["rebound"].get("draw", "per_seed")}


def readout_eval(config: Config) -> dict[str, Any]:
    """What a perturbation run reads at its grid points (rebound.eval, with the draw);
    pretrain_texts only where it is not `task`, the default: the texts are an input file
    already, and every run made before the key existed keeps its parameters and hashes."""
    section = dict(config["rebound"]["eval"])
    if pretrain_source(config) == "task":
        section.pop("pretrain_texts", None)
    return with_draw(config, section)


def pretrain_source(config: Config) -> str:
    """Where the D_p readout's texts come from (rebound.eval.pretrain_texts)."""
    return config["rebound"]["eval"].get("pretrain_texts", "task")


def attack(config: Config, algorithm: str) -> dict[str, Any]:
    """The perturbation named by a run's `algorithm` wildcard: an engine as rebound.perturb
    sets it, a named attack of the benchmark (defences.attacks) over it, a control of the
    apparatus (the balanced control, SFT on both poles interleaved; distillation toward the
    base or the model's own start), each at a multiple of its learning rate (hooke.variants).
    Keys: `algorithm` (the engine), `lora`, and the settings the attack overrides."""
    name, factor = variants.parse(algorithm)
    if name == variants.BALANCED:
        spec = {"algorithm": "sft", "pool": "balanced"}
    elif name in variants.DISTILL:
        spec = {"algorithm": "distill", "teacher": variants.DISTILL[name]}
    else:
        spec = dict(defences.attacks(config.get("defences")).get(name) or {})
    spec = {"algorithm": spec.pop("algorithm", name), "lora": spec.pop("lora", None), **spec}
    if factor != 1:
        rate = spec.get("learning_rate", config["rebound"]["perturb"]["learning_rate"])
        spec["learning_rate"] = rate * factor
    return spec


def perturb_settings(config: Config, algorithm: str) -> dict[str, Any]:
    """The perturbation's training settings: rebound.perturb with the attack's own on top."""
    spec = attack(config, algorithm)
    overrides = {k: v for k, v in spec.items() if k not in ("algorithm", "lora")}
    return canonical(with_draw(config, {**config["rebound"]["perturb"], **overrides}))


def defence_spec(config: Config, name: str) -> dict[str, Any]:
    """A defence as its jobs receive it: its name and config settings (hooke.defences)."""
    return canonical(defences.spec(name, (config.get("defences") or {}).get(name)))


def aligner_spec(config: Config, name: str):
    """What an aligner is: an engine's name, a defence's name and settings (hooke.defences),
    or a plugin's factory and params (rebound.plugins)."""
    if name in defences.ALIGNMENT_STAGE:
        return defence_spec(config, name)
    plugins = config.get("rebound", {}).get("plugins") or {}
    return canonical(plugins[name]) if name in plugins else name


def verdict_params(config: Config) -> dict[str, Any]:
    """What the verdicts read of the design: whether Setting II runs, the fixed window of
    the boundary sensitivity, the aligner whose runs the hypotheses are about (the first),
    and whether Setting I's seeds are independent SFT runs (H1 needs two)."""
    setting = config.get("rebound") or {}
    sft = config["resistance"]["sft"]
    return {
        "rebound": bool(setting),
        "early_examples": setting.get("early_examples"),
        "aligner": grid.first_arm(config)["aligner"],
        "independent_sft": bool(sft.get("per_seed")) and len(config["resistance"]["seeds"]) >= 2,
    }
