"""Shared fixtures: the repository root, the tiny test config, and a completed tiny run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
        raise AssertionError(f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result


def load_test_config() -> dict:
    return yaml.safe_load(TEST_CONFIG.read_text())


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The whole DAG on the tiny test config, run once per test session."""
    workdir = tmp_path_factory.mktemp("run")
    snakemake(workdir, "all")
    return workdir


@pytest.fixture
def copied_run(tiny_run, tmp_path) -> Path:
    """A private copy of the finished tiny run (results and Snakemake's records)."""
    target = tmp_path / "run"
    shutil.copytree(tiny_run, target, symlinks=True)
    return target
