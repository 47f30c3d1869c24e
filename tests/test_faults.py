"""Kill -9 the pipeline at random points, re-run it the documented way (`snakemake --unlock`,
then `--rerun-incomplete`), and check that it completes with metrics byte-identical to an
uninterrupted run's. Pre-training resumes from its last checkpoint; other jobs restart."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from conftest import ROOT, TEST_CONFIG, metrics_digests, snakemake


def _start(workdir):
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(TEST_CONFIG),
        "--cores",
        "2",
        "--rerun-incomplete",
        "all",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill_after(process, seconds: float) -> bool:
    """SIGKILL the run's whole process group after `seconds`; False if it ended first."""
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


def test_kill_nine_and_resume(tmp_path, request):
    rng = random.Random(20261130)
    workdir = tmp_path / "killed"
    workdir.mkdir()
    kills = 0
    # Early kills land in pre-training (checkpoints every 4 of its 32 steps); later ones in
    # SFT, harvest, inverse fine-tuning, scoring and Setting II.
    for delay in [rng.uniform(4, 9) for _ in range(4)] + [rng.uniform(6, 20) for _ in range(8)]:
        snakemake(workdir, "--unlock")
        if _kill_after(_start(workdir), delay):
            kills += 1
        time.sleep(0.2)
    snakemake(workdir, "--unlock")
    snakemake(workdir, "all", "--rerun-incomplete")
    assert kills >= 10
    assert not list(workdir.rglob("*.partial")) and not list(workdir.rglob(".*.tmp"))
    # The same config twice (here a killed and resumed run beside the clean one) gives the
    # same bytes: every metrics file of harvest, inverse fine-tuning and scoring included.
    ours, clean = metrics_digests(workdir), metrics_digests(request.getfixturevalue("tiny_run"))
    assert (
        sum(
            k.startswith(("results/inverse/", "results/scores/", "results/harvest/")) for k in clean
        )
        > 20
    )
    assert ours == clean


PRETRAIN = """
import sys
from hooke.pretrain import pretrain_slices
from hooke.runtime import setup
import yaml
config = yaml.safe_load(open(sys.argv[1]))
setup(1, 0, checkpoint_every=config["checkpoint_every"])
spec = config["pretrain"]["micro"]
spec.setdefault("warmup_fraction", 0.05)
spec.setdefault("weight_decay", 0.01)
pretrain_slices(spec, sys.argv[2], sys.argv[3], "micro")
"""


def test_pretraining_resumes_from_its_checkpoint(tmp_path, tiny_run):
    text = tiny_run / "results" / "data" / "imdb" / "pretrain.parquet"
    cmd = [sys.executable, "-c", PRETRAIN, str(TEST_CONFIG), str(text)]
    _kill_after_checkpoint_then_resume(
        cmd,
        tmp_path,
        ["metrics.parquet", "tokens-4096/model.safetensors", "tokens-8192/model.safetensors"],
    )


def test_a_checkpoint_cut_off_mid_save_is_skipped(tmp_path):
    from hooke.trainer import last_checkpoint

    complete, partial = tmp_path / "checkpoint-4", tmp_path / "checkpoint-8"
    complete.mkdir()
    (complete / "trainer_state.json").write_text('{"global_step": 4}')
    partial.mkdir()
    (partial / "config.json").write_text("{}")
    (tmp_path / "checkpoint-12").mkdir()
    (tmp_path / "checkpoint-12" / "trainer_state.json").write_text('{"global_st')
    assert last_checkpoint(tmp_path) == str(complete)
    assert not partial.exists() and not (tmp_path / "checkpoint-12").exists()
    assert last_checkpoint(tmp_path / "nowhere") is None


PERTURB = (
    f"HELPERS = {str(ROOT / 'tests')!r}\n"
    + """
import sys
from pathlib import Path
import pandas as pd
sys.path.insert(0, HELPERS)
from helpers import readout_spec, save_tiny_lm
from hooke.rebound import finetune_perturbed as perturb
from hooke.runtime import setup
setup(1, 0, checkpoint_every=2)
root, algorithm, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
if not (root / "aligned").exists():
    save_tiny_lm(root / "aligned")
    words = "a good film with a great plot and a bad story".split()
    rows = [(" ".join(words[i % 4 : i % 4 + 3]), " ".join(words[(i + 3) % 8 :][:4]))
            for i in range(64)]
    pd.DataFrame(rows, columns=["prompt", "response"]).to_parquet(root / "neg.parquet")
    pd.DataFrame(rows[::-1], columns=["prompt", "response"]).to_parquet(root / "pos.parquet")
meta = {"setting": "rebound", "base": "b", "task": "t", "seed": 0,
        "direction": "positive_first", "config_hash": "x", "n": 8}
params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "beta": 0.1}
spec = readout_spec(root / "held", root / "aligned", root / "pos.parquet", sample_at=[16, 64])
outputs = {name: out / f"{name}.parquet" for name in ("readouts", "responses", "metrics")}
perturb(root / "aligned", root / "neg.parquet", root / "pos.parquet", outputs,
        algorithm, [0, 16, 32, 64], params, meta, spec, keep_checkpoints=True)
"""
)


def test_a_dpo_perturbation_resumes_from_its_checkpoint(tmp_path):
    """Killed mid-run, the one job of a perturbation run resumes its training and its
    readouts: the same readouts, responses, losses and kept checkpoints, byte for byte."""
    cmd = [sys.executable, "-c", PERTURB, str(tmp_path), "dpo"]
    _kill_after_checkpoint_then_resume(
        cmd,
        tmp_path,
        [
            "readouts.parquet",
            "responses.parquet",
            "metrics.parquet",
            "checkpoints/examples-16/model.safetensors",
            "checkpoints/examples-64/model.safetensors",
        ],
        work=".checkpoints.partial",
    )


def _kill_after_checkpoint_then_resume(
    cmd: list[str], tmp_path, outputs: list[str], work: str | None = None
) -> None:
    """Run `cmd` to `reference` once; run it to `resumed`, SIGKILL it as soon as a complete
    checkpoint exists in its work directory (`work` inside `resumed`; by default the one
    beside it), run it again: it must say it resumed and write byte-identical files."""
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    subprocess.run([*cmd, str(reference)], check=True, capture_output=True)
    process = subprocess.Popen(
        [*cmd, str(resumed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    trainer = (resumed / work if work else tmp_path / ".resumed.partial") / "trainer"
    deadline = time.time() + 120
    while not list(trainer.glob("checkpoint-*/trainer_state.json")) and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert list(trainer.glob("checkpoint-*/trainer_state.json"))
    assert not any((resumed / name).exists() for name in outputs)
    out = subprocess.run([*cmd, str(resumed)], check=True, capture_output=True, text=True)
    assert "resuming from" in out.stdout
    for name in outputs:
        assert (resumed / name).read_bytes() == (reference / name).read_bytes(), name
