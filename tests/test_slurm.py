"""profiles/slurm on a real single-node Slurm cluster (tools/slurm-local.sh: Debian's
slurm-wlm + munge), and the submit strings the Slurm plugin builds from a GPU rule's
resources."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, metrics_digests, snakemake

PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"


def local_profile(folder: Path) -> Path:
    """profiles/slurm as it is, but for a one-node CPU cluster: the local partition, no GPU
    requests or 32-core sizes, fast status polling."""
    profile = yaml.safe_load(PROFILE.read_text())
    profile.pop("set-resources")
    profile.pop("set-threads")
    profile["default-resources"] = {"slurm_partition": "debug", "mem_mb": 1500, "runtime": 30}
    profile.update(
        {
            "jobs": 4,
            "seconds-between-status-checks": 2,
            "slurm-init-seconds-before-status-checks": 2,
            "latency-wait": 5,
            "keep-going": False,
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


@pytest.fixture(scope="module")
def cluster():
    if os.geteuid() != 0:
        pytest.skip("bringing up the local Slurm cluster needs root")
    subprocess.run(["bash", str(ROOT / "tools" / "slurm-local.sh")], check=True, timeout=600)
    assert shutil.which("sbatch") and shutil.which("squeue")


def test_tiny_config_through_the_slurm_profile_equals_a_local_run(cluster, tmp_path, request):
    workdir = tmp_path / "run"
    result = snakemake(workdir, "all", "--profile", str(local_profile(tmp_path / "profile")))
    submitted = (result.stdout + result.stderr).count("submitted with SLURM jobid")
    assert submitted >= 29, f"only {submitted} jobs went through sbatch"  # all but `all`
    # the local run is asked for only now: the other worker makes it while this one waits
    local, slurm = metrics_digests(request.getfixturevalue("tiny_run")), metrics_digests(workdir)
    assert len(local) > 20
    assert slurm == local


def _submit_string(resources: dict, threads: int = 8) -> str:
    """The sbatch command snakemake-executor-plugin-slurm builds for a job with these
    resources (its own code, no cluster needed)."""
    from types import SimpleNamespace

    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    class Resources(dict):
        __getattr__ = dict.__getitem__

    job = SimpleNamespace(
        resources=Resources(resources), threads=threads, is_group=lambda: False, name="rule"
    )
    params = {
        "run_uuid": "uuid",
        "slurm_logfile": "log",
        "comment_str": "rule",
        "account": "",
        "partition": f"-p {resources['slurm_partition']}",
        "workdir": ".",
    }
    return get_submit_command(job, params) + set_gres_string(job)


def test_a_gpu_rule_maps_to_the_right_sbatch_options():
    profile = yaml.safe_load(PROFILE.read_text())
    resources = profile["set-resources"]["finetune_slices"]
    call = _submit_string(resources, threads=profile["set-threads"]["finetune_slices"])
    assert f"-p {resources['slurm_partition']}" in call
    assert f"--gpus={resources['gpu']}" in call
    assert f"--mem {resources['mem_mb']}" in call
    assert f"-t {resources['runtime']}" in call
    assert f"--cpus-per-task={resources['cpus_per_task']}" in call


def test_every_gpu_rule_of_the_profile_is_a_rule_of_the_workflow():
    rules = set()
    for smk in (ROOT / "rules").glob("*.smk"):
        rules |= {
            line.split()[1].rstrip(":")
            for line in smk.read_text().splitlines()
            if line.startswith("rule ")
        }
    profile = yaml.safe_load(PROFILE.read_text())
    assert set(profile["set-resources"]) <= rules
    assert set(profile["set-threads"]) <= rules
    assert profile["slurm-status-command"] == "squeue"
