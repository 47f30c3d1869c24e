"""Shared fixtures: the repository root, the tiny test config, and a completed tiny run.

`make test` runs the suite on two pytest-xdist workers: the tiny run is made once for both
(the first worker to ask makes it, the other waits on a lock), each test file runs on one
worker, and the files of the longest tests are sent first."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "tests" / "config" / "test.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(workdir: Path, *args: str, configfile: Path | None = TEST_CONFIG, check: bool = True):
    """Run Snakemake on this repository's workflow with `workdir` as its working directory
    (`configfile` None: the workflow's own default config)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    cmd = [
        *SNAKEMAKE,
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        *(["--configfile", str(configfile)] if configfile else []),
        "--cores",
        "2",
        *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
            + failed_job_logs(workdir, result.stderr)
        )
    return result


def failed_job_logs(workdir: Path, stderr: str, tail: int = 4000) -> str:
    """The end of each failed job's log (Snakemake names them, the reason is in them): what a
    CI failure must show, since the workdir is gone by the time anyone reads it."""
    shown = []
    for name in dict.fromkeys(re.findall(r"log: (\S+) \(check log file", stderr)):
        path = workdir / name
        text = path.read_text(errors="replace")[-tail:] if path.is_file() else "(no log)"
        shown.append(f"\n--- {name} ---\n{text}")
    return "".join(shown)


def load_test_config() -> dict:
    return yaml.safe_load(TEST_CONFIG.read_text())


def metrics_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every metrics file a run wrote (its data splits aside), by path: two runs
    of one config compare byte for byte."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "results").rglob("*.parquet"))
        if "/data/" not in p.as_posix()
    }


# Files go to the workers whole (`--dist loadfile`), in the order of their first test here,
# two to each worker at the start: the Slurm run's file (it mostly waits on the cluster's
# status checks) beside the tiny run's, which extends it by the plugin's DAG; then kill -9
# and resume's (asks for the tiny run only at its end; a third DAG at once slowed it most).
FIRST = (
    "test_slurm.py::test_tiny_config_through_the_slurm_profile_equals_a_local_run",
    "test_pipeline.py::test_outputs_and_schemas",
    "test_pipeline.py::test_a_user_plugin_and_the_defences_benchmark_run_through_the_whole_dag",
    "test_faults.py::test_kill_nine_and_resume",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.nodeid.split("/")[-1]
        return FIRST.index(name) if name in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The whole DAG on the tiny test config, run once per test session, for all workers."""
    shared = tmp_path_factory.getbasetemp()  # the session's own folder; under xdist, a worker's
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # the folder every worker of this session shares
    workdir, done = shared / "tiny-run", shared / "tiny-run.done"
    with FileLock(shared / "tiny-run.lock"):
        if not done.exists():  # a failed attempt leaves no marker: the next asker retries
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir()
            snakemake(workdir, "all")
            done.touch()
    return workdir


@pytest.fixture
def copied_run(tiny_run, tmp_path) -> Path:
    """A private copy of the finished tiny run (results and Snakemake's records)."""
    target = tmp_path / "run"
    shutil.copytree(tiny_run, target, symlinks=True)
    return target
