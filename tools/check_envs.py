"""Run one job of every rule in a plain venv built from its conda env's pip list, as
`snakemake --use-conda` would on a cluster (conda's channels cannot be reached here, PyPI can).

    .venv/bin/python tools/check_envs.py [--workdir DIR]     (make check-envs; CI's last step)

1. Builds .envs/<env>/ from envs/<env>.yaml's pip list (again only when the list changes).
2. Runs the tests' tiny DAG once with the project's venv, keeping Snakemake's job scripts
   (--skip-script-cleanup) and temporary outputs (--notemp).
3. Runs, for every rule, the first of its kept job scripts again with its env's interpreter,
   in DAG order. A job script appends Snakemake's own search path (the project venv's
   site-packages, where everything is installed) to sys.path; here that path is replaced by
   a folder holding only Snakemake and what it requires, so that a package missing from an
   env fails the job instead of being found in the project's venv.
Prints one line per rule and exits 1 if any job fails (its log's tail printed).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile
import venv
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ENVS = ROOT / ".envs"


def pip_list(env_file: Path) -> list[str]:
    spec = yaml.safe_load(env_file.read_text())
    return next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))


def build_venv(env_file: Path) -> Path:
    """.envs/<name>/bin/python with exactly the env's pip list (and what it requires)."""
    packages = pip_list(env_file)
    target = ENVS / env_file.stem
    stamp = target / ".pip-list"
    wanted = "\n".join(packages)
    if stamp.is_file() and stamp.read_text() == wanted:
        return target / "bin" / "python"
    venv.create(target, clear=True, with_pip=True)
    python = target / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", *packages], check=True)
    stamp.write_text(wanted)
    return python


def installed_closure(names: list[str]) -> set[str]:
    """The distributions `names` are, and all they require (transitively, without extras),
    as installed here; canonical names."""
    todo, dists = [canonicalize_name(n) for n in names], set()
    while todo:
        name = todo.pop()
        if name in dists:
            continue
        dists.add(name)
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return dists


def snakemake_only(folder: Path) -> set[str]:
    """Links to Snakemake and the distributions it requires (transitively), nothing else:
    what a job script needs to unpickle its `snakemake` object. Returns their top-level
    import names."""
    tops = set()
    for name in installed_closure(["snakemake"]):
        dist = metadata.distribution(name)
        site = Path(dist.locate_file(""))
        for file in dist.files or []:
            top = file.parts[0]
            if top.endswith(".dist-info") or top == "..":
                continue
            source, link = site / top, folder / top
            if source.exists() and not link.exists():
                link.symlink_to(source)
                tops.add(top.removesuffix(".py"))
        info = Path(dist._path)  # noqa: SLF001 (the .dist-info folder: version lookups)
        if not (folder / info.name).exists():
            (folder / info.name).symlink_to(info)
    return tops


def rule_scripts() -> dict[str, tuple[Path, Path]]:
    """Rule -> (its conda env file, its script), read from rules/*.smk."""
    found = {}
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            script = re.search(r"script:\s*\n\s*\"([^\"]+)\"", block)
            conda = re.search(r"conda:\s*\n\s*\"([^\"]+)\"", block)
            if not script:
                continue
            if not conda:
                raise ValueError(f"rule {name} runs a script but names no conda env")
            found[name] = (
                (smk.parent / conda.group(1)).resolve(),
                (smk.parent / script.group(1)).resolve(),
            )
    return found


def confined(script: Path, staging: Path) -> Path:
    """A copy of a kept job script whose appended search path is only `staging` and the
    scripts folder (where the hooke package is linked)."""
    text = script.read_text()
    match = re.search(r"sys\.path\.extend\((\[.*?\])\);", text)
    paths = ast.literal_eval(match.group(1))
    kept = [str(staging)] + [p for p in paths if Path(p).name == "scripts"]
    out = script.with_name(f"confined-{script.name}")
    out.write_text(text.replace(match.group(0), f"sys.path.extend({kept!r});"))
    return out


def run_dag(workdir: Path) -> None:
    """The tests' tiny DAG, then download_base for a hub-style base that is a local
    directory (one of the DAG's own slices): the tiny DAG has no hub base."""
    config = yaml.safe_load((ROOT / "tests/config/test.yaml").read_text())
    config["bases"]["local-copy"] = {
        "source": "hub",
        "repo": str(workdir / "results/pretrain/micro/tokens-8192"),
    }
    with_hub = workdir / "with-hub.yaml"
    with_hub.write_text(yaml.safe_dump(config))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(workdir), "--cores", "2", "--skip-script-cleanup", "--notemp"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    for configfile, target in (
        (ROOT / "tests/config/test.yaml", "all"),
        (with_hub, "results/hub/local-copy"),
    ):
        subprocess.run(
            [
                *cmd,
                target,
                "--configfile",
                str(configfile),
            ],  # after the target: --configfile takes several files
            check=True,
            env=env,
            capture_output=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir", type=Path, help="where the tiny DAG runs (default: a temp dir)"
    )
    args = parser.parse_args()
    rules = rule_scripts()
    pythons = {env: build_venv(env) for env in sorted({env for env, _ in rules.values()})}
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hooke-envs-"))
    run_dag(workdir)
    staging = workdir / "snakemake-only"
    staging.mkdir(exist_ok=True)
    masked = snakemake_only(staging)
    scripts = sorted((workdir / ".snakemake" / "scripts").glob("tmp*.py"), key=os.path.getmtime)
    first: dict[str, Path] = {}  # a job script's name: tmp<random>.<the rule's script name>
    for kept in scripts:
        first.setdefault(kept.name.split(".", 1)[1], kept)
    failed = 0
    for rule, (env, script) in rules.items():
        if script.name not in first:
            print(f"{rule:22s} no job in the tiny DAG")
            continue
        job = confined(first[script.name], staging)
        env_vars = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env_vars |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONNOUSERSITE": "1"}
        done = subprocess.run(
            [str(pythons[env]), str(job)], cwd=workdir, env=env_vars, capture_output=True, text=True
        )
        status = "ok" if done.returncode == 0 else f"FAILED ({done.returncode})"
        print(f"{rule:22s} {env.stem:7s} {status}")
        if done.returncode:
            failed += 1
            print("    " + "\n    ".join((done.stdout + done.stderr).strip().splitlines()[-15:]))
            for log in (workdir / "logs" / rule).rglob("*.log"):
                print("    log:", "\n    ".join(log.read_text().strip().splitlines()[-10:]))
                break
    print(f"Snakemake's own packages on every job's path: {', '.join(sorted(masked))}")
    print(f"{len(first)} rules run in their envs' venvs, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
