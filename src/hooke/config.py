"""Config checks that fail with one line naming the key: the JSON Schema first, then the
cross-references a schema cannot express (a base naming a run that does not exist...)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from hooke.defences.config import check_defences
from hooke.errors import HookeError
from hooke.names import ALIGNMENT_STAGE, check_aligner
from hooke.sizes import check_sizes
from hooke.steps import grid_steps


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def load_schema(schema_path: str | Path) -> dict[str, Any]:
    """The schema, read once per process (the overrides, the defaults and the check all walk
    it). Callers only read it: the defaults it hands out are copied."""
    return _read_schema(str(Path(schema_path).resolve()))


@functools.cache
def _read_schema(path: str) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text())


def check_schema(config: Mapping[str, Any], schema_path: str | Path) -> None:
    """Raise HookeError naming the first offending key when `config` breaks the schema."""
    import jsonschema

    schema = load_schema(schema_path)
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - known)
        where = _key(error.absolute_path)
        keys = ", ".join(f"'{k}'" for k in unknown)
        raise HookeError(f"config: unknown key {keys} under '{where}'")
    raise HookeError(f"config key '{_key(error.absolute_path)}': {error.message}")


def check_references(config: Mapping[str, Any]) -> None:
    """Names used in one section must be defined in another."""
    tasks, bases, runs = config["tasks"], config["bases"], config.get("pretrain", {})
    for run, spec in runs.items():
        if spec["task"] not in tasks:
            raise HookeError(f"config key 'pretrain.{run}.task': no task '{spec['task']}'")
    for base, spec in bases.items():
        if spec["source"] != "local":
            continue
        if spec["run"] not in runs:
            raise HookeError(f"config key 'bases.{base}.run': no pre-training run '{spec['run']}'")
        if spec["tokens"] not in runs[spec["run"]]["slices"]:
            raise HookeError(
                f"config key 'bases.{base}.tokens': {spec['tokens']} is not among "
                f"the slices of run '{spec['run']}'"
            )
    setting = config["resistance"]
    n = setting["sft"]["slices"]
    fractions = setting["sft"].get("fractions")
    if fractions is not None and (
        len(fractions) != n or fractions != sorted(set(fractions)) or fractions[-1] != 1
    ):
        raise HookeError(
            f"config key 'resistance.sft.fractions': needs {n} increasing values ending in 1"
        )
    for k, l in setting.get("pairs") or []:
        if not 1 <= k < l <= n:
            raise HookeError(f"config key 'resistance.pairs': [{k}, {l}] needs 1 <= k < l <= {n}")
    for base in setting["bases"]:
        if base not in bases:
            raise HookeError(f"config key 'resistance.bases': no base '{base}'")
    for task in setting["tasks"]:
        if task not in tasks:
            raise HookeError(f"config key 'resistance.tasks': no task '{task}'")


def check_rebound(config: Mapping[str, Any]) -> None:
    """Setting II names existing bases and tasks, a grid the batch size divides, and sampling
    points on that grid."""
    setting = config.get("rebound")
    if not setting:
        return
    for section in ("bases", "tasks"):
        for name in setting[section]:
            if name not in config[section]:
                raise HookeError(f"config key 'rebound.{section}': no {section[:-1]} '{name}'")
    for name in setting.get("ablation_bases") or []:
        if name not in setting["bases"]:
            raise HookeError(
                f"config key 'rebound.ablation_bases': '{name}' is not in rebound.bases"
            )
    grid_steps(setting["grid"], setting["perturb"]["batch_size"])
    check_sample_at(setting)
    check_aligners(setting)


def check_aligners(setting: Mapping[str, Any]) -> None:
    """Every aligner is an engine that learns from the pools, an alignment-stage defence or
    a named plugin."""
    plugins = setting.get("plugins") or {}
    for name in setting.get("aligners", ["sft"]):
        check_aligner(name, plugins, "rebound.aligners", ALIGNMENT_STAGE)


def check_sample_at(setting: Mapping[str, Any]) -> None:
    """Sampling points lie on the grid and give the secondary readouts what they need: the
    point 0 (Table 3's KL after alignment) and two points in each stage of a curve."""
    points = setting["eval"].get("sample_at")
    if points is None:
        return
    key = "config key 'rebound.eval.sample_at'"
    grid = {0, *setting["grid"]}
    for point in points:
        if point not in grid:
            raise HookeError(f"{key}: {point} is not a point of rebound.grid")
    early = setting["early_examples"]
    if 0 not in points:
        raise HookeError(f"{key}: needs 0 (the aligned model, where each curve starts)")
    if sum(p <= early for p in points) < 2 or sum(p >= early for p in points) < 2:
        raise HookeError(
            f"{key}: needs two points up to rebound.early_examples ({early}) and two from "
            "it on (the early and the late slope)"
        )


def coerce_overrides(config: Any, schema_path: str | Path) -> Any:
    """Snakemake passes the values nested inside a `--config` override as strings
    (`--config 'score={threshold: 0.6}'` gives '0.6'); read each string as YAML where the
    schema wants a number, a boolean, null or a list there, and the YAML is of that type."""
    root = load_schema(schema_path)
    return _coerce(config, root, root)


_TYPES = {"integer": int, "number": (int, float), "boolean": bool, "null": type(None)}


def _coerce(value: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    node = _resolve(node, root)
    for option in node.get("anyOf", []):
        value = _coerce(value, option, root)
    if isinstance(value, dict):
        props, extra = node.get("properties", {}), node.get("additionalProperties")
        for key in value:
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                value[key] = _coerce(value[key], sub, root)
        return value
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_coerce(v, node["items"], root) for v in value]
    kinds = node.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if isinstance(value, str) and "string" not in kinds and kinds:
        parsed = yaml.safe_load(value)
        wanted = tuple(t for k in kinds for t in _flat(_TYPES.get(k, ())))
        if "array" in kinds and isinstance(parsed, list):
            return _coerce(parsed, node, root)
        if (
            wanted
            and isinstance(parsed, wanted)
            and not (isinstance(parsed, bool) and bool not in wanted)
        ):
            return parsed
    return value


def _flat(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def fill_defaults(config: Any, schema_path: str | Path) -> Any:
    """Fill every key the config leaves out with its schema default, in place (a config holds
    only what differs from the defaults). Sections absent from the config stay absent unless
    the schema gives them a default (`{}` fills the section from its keys' defaults)."""
    root = load_schema(schema_path)
    return _fill(config, root, root)


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:  # "#/$defs/<name>", with the keys beside it kept
        ref = node["$ref"].rsplit("/", 1)[-1]
        node = {**root["$defs"][ref], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _fill(value: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    node = _resolve(node, root)
    if not isinstance(value, dict):
        return value
    for option in node.get("anyOf", []):
        if _resolve(option, root).get("type") == "object":
            _fill(value, option, root)
    props, extra = node.get("properties", {}), node.get("additionalProperties")
    for key, sub in props.items():
        sub = _resolve(sub, root)
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
    for key in value:
        sub = props.get(key, extra if isinstance(extra, dict) else None)
        if sub is not None:
            _fill(value[key], sub, root)
    return value


def check_config(config: Mapping[str, Any], schema_path: str | Path) -> None:
    """Fill the defaults into `config` (in place), then check it: schema, cross-references,
    Setting II's grid, sizes against pools."""
    fill_defaults(config, schema_path)
    check_finite(config)
    check_schema(config, schema_path)
    canonical_sets(config)
    check_references(config)
    check_rebound(config)
    check_defences(config)
    check_sizes(config)


def check_finite(value: Any, path: tuple = ()) -> None:
    """Refuse NaN and infinities anywhere in the config, naming the key: JSON Schema's
    bounds are false for NaN, so `.nan` passes `minimum: 0` (and a NaN threshold would
    silently count no response as positive)."""
    import math

    if isinstance(value, Mapping):
        for key, sub in value.items():
            check_finite(sub, (*path, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            check_finite(sub, (*path, i))
    elif isinstance(value, float) and not math.isfinite(value):
        raise HookeError(f"config key '{_key(path)}': {value} is not a finite number")


# Lists whose order carries no meaning (a grid, volumes, seeds, factors): sorted before any
# rule reads them, so that the same set written in another order re-runs nothing. Lists
# whose first entry is special (algorithms, directions, aligners, bases) keep their order.
SETS = (
    ("rebound", "grid"),
    ("rebound", "volumes"),
    ("rebound", "seeds"),
    ("rebound", "lr_factors"),
    ("rebound", "eval", "sample_at"),
    ("resistance", "seeds"),
    ("compression_law", "seeds"),
    ("compression_law", "ks"),
    ("defences", "seeds"),
)


def canonical_sets(config: Mapping[str, Any]) -> None:
    """Sort the config's set-like lists (SETS) in place."""
    for path in SETS:
        node = config
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, dict) and isinstance(node.get(path[-1]), list):
            node[path[-1]] = sorted(node[path[-1]])


def canonical(value: Any) -> Any:
    """`value` with every mapping's keys sorted, so that Snakemake's record of a rule's params
    does not change (and trigger a re-run) when only the order of keys in the config does."""
    if isinstance(value, Mapping):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value
