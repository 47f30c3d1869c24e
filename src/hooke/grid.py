"""The jobs a config asks for, as plain lists of wildcards, said once: the rules' input
functions, `make plan` and the cost model read them from here (pure Python over the config;
no Snakemake, no heavy imports).

- Setting I: (base, task, seed) cells and the slice pairs (k, l);
- Setting II: (base, task, seed, direction, aligner, volume, algorithm) runs — the aligned
  runs, the base control (volume 0), and on the ablation bases the balanced and distillation
  controls and the learning-rate variants (hooke.variants names them);
- the defences benchmark's runs; the planted controls' (base, task, seed) cells."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooke import defences, variants

Config = Mapping[str, Any]


def slice_pairs(config: Config) -> list[tuple[int, int]]:
    """The configured pairs (k, l) of SFT slices, or every pair with k < l."""
    if config["resistance"].get("pairs"):
        return [tuple(pair) for pair in config["resistance"]["pairs"]]
    n = config["resistance"]["sft"]["slices"]
    return [(k, l) for k in range(1, n + 1) for l in range(k + 1, n + 1)]


def resistance_grid(config: Config) -> list[dict[str, Any]]:
    """(base, task, seed) combinations of Setting I."""
    setting = config["resistance"]
    return [
        {"base": b, "task": t, "seed": s}
        for b in setting["bases"]
        for t in setting["tasks"]
        for s in setting["seeds"]
    ]


def _run(base, task, seed, direction, aligner, n, algorithm) -> dict[str, Any]:
    return {
        "base": base,
        "task": task,
        "seed": seed,
        "direction": direction,
        "aligner": aligner,
        "n": n,
        "algorithm": algorithm,
    }


def _controls(setting: Config, volumes: list[int]) -> list[tuple[str, int]]:
    """(algorithm, volume) of the controls and variants an ablation base runs in the first
    direction and aligner: the balanced control at every volume; the distillation controls
    at every volume and the base control's, at every learning-rate factor; the first
    algorithm at the other factors too."""
    controls = setting.get("controls", [])
    factors = [f for f in setting.get("lr_factors", [1]) if f != 1]
    extra = [(variants.BALANCED, v) for v in setting["volumes"] if "balanced" in controls]
    if "distill" in controls:
        extra += [
            (variants.named(name, f), v)
            for name in variants.DISTILL
            for f in [1, *factors]
            for v in [0, *setting["volumes"]]
        ]
    first = setting["algorithms"][0]
    return extra + [(variants.named(first, f), v) for f in factors for v in volumes]


def first_arm(config: Config) -> dict[str, str]:
    """The direction and aligner the hypotheses are about, the base control runs in and the
    planted controls start from: the first of each (positive_first and sft by default)."""
    setting = config.get("rebound") or {}
    return {
        "direction": setting.get("directions", ["positive_first"])[0],
        "aligner": setting.get("aligners", ["sft"])[0],
    }


def fetched(config: Config) -> tuple[list[str], list[str]]:
    """What a config fetches from the internet: the tasks whose data and scorer it reads,
    and the bases (not pre-trained here) its settings and the benchmark use."""
    rebound = config.get("rebound") or {}
    tasks = set(config["resistance"]["tasks"]) | set(rebound.get("tasks", []))
    bases = set(config["resistance"]["bases"]) | set(rebound.get("bases", []))
    bases |= {run["base"] for run in defence_grid(config)}
    remote = [b for b in bases if config["bases"][b].get("source", "local") != "local"]
    return sorted(tasks), sorted(remote)


def rebound_grid(config: Config) -> list[dict[str, Any]]:
    """The runs of Setting II. Every base gets the first direction and algorithm and every
    aligner; the ablation bases (all when unset) get every direction and algorithm and the
    controls of `_controls`. With the base control, volume 0 too (in the first direction
    and aligner only: it aligns nothing)."""
    setting = config.get("rebound")
    if not setting:
        return []
    ablation = setting.get("ablation_bases")
    aligners = setting.get("aligners", ["sft"])
    first = tuple(first_arm(config).values())
    runs = []
    for b in setting["bases"]:
        full = ablation is None or b in ablation
        directions = setting["directions"] if full else setting["directions"][:1]
        algorithms = setting["algorithms"] if full else setting["algorithms"][:1]
        volumes = setting["volumes"] + ([0] if "base" in setting.get("controls", []) else [])
        extra = _controls(setting, volumes) if full else []
        for t in setting["tasks"]:
            for s in setting["seeds"]:
                runs += [_run(b, t, s, *first, n, a) for a, n in extra]
                runs += [
                    _run(b, t, s, d, m, n, a)
                    for d in directions
                    for m in aligners
                    for n in volumes
                    for a in algorithms
                    if n or (d, m) == first
                ]
    return runs


def defence_grid(config: Config) -> list[dict[str, Any]]:
    """The runs of the benchmark: every method against every attack, at defences.volume, on
    its base and task (by default the first of Setting II's) in Setting II's first
    direction, over its seeds."""
    setting = config.get("defences") or {}
    if not setting.get("methods"):
        return []
    rebound = config["rebound"]
    base = setting.get("base") or rebound["bases"][0]
    task = setting.get("task") or rebound["tasks"][0]
    return [
        _run(base, task, s, first_arm(config)["direction"], m, setting["volume"], a)
        for s in setting.get("seeds") or rebound["seeds"]
        for m in setting["methods"]
        for a in defences.attacks(setting)
    ]


def planted_cells(config: Config) -> list[dict[str, Any]]:
    """(base, task, seed) of the planted controls: the ablation bases, when rebound.controls
    holds `planted`."""
    setting = config.get("rebound") or {}
    if "planted" not in setting.get("controls", []):
        return []
    ablation = setting.get("ablation_bases") or setting["bases"]
    return [
        {"base": b, "task": t, "seed": s}
        for b in setting["bases"]
        if b in ablation
        for t in setting["tasks"]
        for s in setting["seeds"]
    ]
