"""Multi-GPU training plumbing: the DeepSpeed launch command, the ZeRO configs, the global
batch kept constant over any process count, a real two-process run on CPU through the
DeepSpeed launcher (DDP over gloo) and real ZeRO-2 / ZeRO-3 runs on CPU, all matching a plain
one-process run."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import TEST_CONFIG, snakemake

from hooke import distributed
from hooke.errors import HookeError


@pytest.mark.parametrize(
    "global_batch, world, cap, expected",
    [
        (64, 1, None, (64, 1)),
        (64, 8, None, (8, 1)),
        (64, 8, 4, (4, 2)),
        (64, 2, 4, (4, 8)),
        (48, 8, 4, (3, 2)),  # 6 per process: 3 x 2 (a cap of 4 cannot divide 6 evenly)
        (16, 1, 5, (4, 4)),
    ],
)
def test_batch_plan_keeps_the_global_batch(global_batch, world, cap, expected):
    per_device, accumulation = distributed.batch_plan(global_batch, world, cap)
    assert (per_device, accumulation) == expected
    assert per_device * accumulation * world == global_batch
    assert cap is None or per_device <= cap


def test_batch_plan_refuses_a_batch_the_processes_cannot_share():
    with pytest.raises(HookeError, match="batch size 10 does not divide over 4 processes"):
        distributed.batch_plan(10, 4)


@pytest.mark.parametrize("gpus", [1, 2, 8])
def test_launch_command_is_what_deepspeed_expects(gpus):
    from deepspeed.launcher.runner import parse_args

    command = distributed.launch_command(gpus, "/job/script.py", 29511)
    assert command[1:3] == ["-m", "deepspeed.launcher.runner"]
    args = parse_args(command[3:])
    assert args.num_gpus == gpus
    assert args.master_port == 29511
    assert args.no_local_rank  # the script reads LOCAL_RANK from the environment
    assert args.user_script == "/job/script.py" and args.user_args == []


def test_needs_launcher_only_outside_a_launched_process(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setitem(distributed.SETTINGS, "deepspeed", "zero2")
    assert not distributed.needs_launcher(0)
    assert distributed.needs_launcher(1) and distributed.needs_launcher(8)
    monkeypatch.setitem(distributed.SETTINGS, "deepspeed", None)
    assert not distributed.needs_launcher(1) and distributed.needs_launcher(2)
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert not distributed.needs_launcher(8)


def test_precision_refuses_bf16_without_a_gpu(monkeypatch):
    monkeypatch.setitem(distributed.SETTINGS, "precision", "bf16")
    with pytest.raises(HookeError, match="accelerate.precision: bf16 needs a GPU"):
        distributed.precision_flags(on_gpu=False, bf16_supported=False)
    assert distributed.precision_flags(on_gpu=True, bf16_supported=True)["bf16"]


@pytest.mark.parametrize("name", distributed.DEEPSPEED_CONFIGS)
def test_zero_configs_resolve_every_auto_value(name, tmp_path):
    from helpers import save_tiny_lm
    from transformers import AutoModelForCausalLM, TrainingArguments

    config_path = distributed.deepspeed_config(name)
    stage = json.loads(open(config_path).read())["zero_optimization"]["stage"]
    assert stage == (3 if name.startswith("zero3") else 2)
    model = AutoModelForCausalLM.from_pretrained(save_tiny_lm(tmp_path / "lm"))
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        use_cpu=True,
        deepspeed=config_path,
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
    )
    args.hf_deepspeed_config.trainer_config_finalize(args, model, 100)
    resolved = json.dumps(args.hf_deepspeed_config.config)
    assert '"auto"' not in resolved
    assert args.hf_deepspeed_config.config["train_batch_size"] == 8
    assert ("offload_optimizer" in resolved) == name.endswith("offload")


def test_unknown_deepspeed_config_is_named():
    with pytest.raises(HookeError, match="accelerate.deepspeed: 'zero4'"):
        distributed.deepspeed_config("zero4")


def _loss_curve(workdir):
    metrics = pd.read_parquet(workdir / "results/sft/micro-8k/imdb/seed-0/metrics.parquet")
    return metrics[metrics["metric"] == "train_loss"].sort_values("step")


def test_two_processes_through_the_deepspeed_launcher_match_one(tmp_path, tiny_run):
    """finetune_slices given 2 'GPUs' re-launches itself under DeepSpeed's launcher; on CPU
    the two processes train with DDP over gloo, each on half of every global batch."""
    config = tmp_path / "config.yaml"
    config.write_text(TEST_CONFIG.read_text() + "\naccelerate: {deepspeed: null}\n")
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run / "results" / "data", workdir / "results" / "data")
    shutil.copytree(tiny_run / "results" / "pretrain", workdir / "results" / "pretrain")
    snakemake(
        workdir,
        "--until",
        "finetune_slices",
        "--set-resources",
        "finetune_slices:gpu=2",
        configfile=config,
    )
    log = (workdir / "logs/finetune_slices/micro-8k/imdb/seed-0.log").read_text()  # not clobbered
    assert "deepspeed.launcher.runner --num_gpus=2" in log
    assert "dist_world_size=2" in log
    two, one = _loss_curve(workdir), _loss_curve(tiny_run)
    assert two["step"].tolist() == one["step"].tolist()  # same global batch, same steps
    assert two["tokens_seen"].tolist() == one["tokens_seen"].tolist()
    pd.testing.assert_series_equal(
        two["value"].reset_index(drop=True), one["value"].reset_index(drop=True), rtol=1e-4
    )
    for k in (1, 2, 3):
        assert (workdir / f"results/sft/micro-8k/imdb/seed-0/slice-{k}/model.safetensors").is_file()


@pytest.mark.parametrize("stage", [2, 3])
def test_zero_on_cpu_trains_and_saves_what_a_plain_run_does(stage, tmp_path, tiny_run):
    """DeepSpeed's engine (CPU accelerator) with ZeRO-2 or ZeRO-3 through the launcher: the same
    loss curve and slice weights as the plain run; ZeRO-3's sharded weights are gathered
    before a slice is saved and before the inverse path's after-training measures."""
    from safetensors.torch import load_file

    config = tmp_path / "config.yaml"
    config.write_text(TEST_CONFIG.read_text() + f"\naccelerate: {{deepspeed: zero{stage}}}\n")
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run / "results" / "data", workdir / "results" / "data")
    shutil.copytree(tiny_run / "results" / "pretrain", workdir / "results" / "pretrain")
    target = "results/inverse/micro-8k/imdb/seed-0/pair-1-2/inverse.parquet"
    snakemake(
        workdir,
        target,
        "--set-resources",
        "finetune_slices:gpu=1",
        "finetune_inverse:gpu=1",
        configfile=config,
    )
    for log in (
        "finetune_slices/micro-8k/imdb/seed-0",
        "finetune_inverse/micro-8k/imdb/seed-0/pair-1-2",
    ):
        assert (
            f"trained by DeepSpeedEngine, ZeRO stage {stage}"
            in (workdir / "logs" / f"{log}.log").read_text()
        )
    zero, plain = _loss_curve(workdir), _loss_curve(tiny_run)
    pd.testing.assert_series_equal(
        zero["value"].reset_index(drop=True), plain["value"].reset_index(drop=True), rtol=1e-4
    )
    slice_3 = "results/sft/micro-8k/imdb/seed-0/slice-3/model.safetensors"
    ours, theirs = load_file(str(workdir / slice_3)), load_file(str(tiny_run / slice_3))
    assert ours.keys() == theirs.keys()
    for name, weight in ours.items():
        assert weight.shape == theirs[name].shape, name  # ZeRO-3 shards were gathered
        assert (weight - theirs[name]).abs().max() < 1e-4, name
    assert (workdir / target).is_file()


def test_gpu_smoke_script_refuses_to_run_without_a_gpu(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    script = ROOT / "scripts" / "gpu_smoke.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    result = subprocess.run(
        ["bash", str(script), str(tmp_path / "smoke")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert result.returncode != 0 and "gpu_smoke: no CUDA device" in result.stderr
    assert not (tmp_path / "smoke").exists()


def test_each_process_uses_its_local_rank_gpu(monkeypatch):
    import torch

    from hooke.models import device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert device() == torch.device("cuda", 3)
    monkeypatch.delenv("LOCAL_RANK")
    assert device() == torch.device("cuda", 0)
