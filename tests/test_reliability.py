"""Bad input fails with one line naming the file, key or column, and leaves nothing half-written;
no config value reaches a shell; a run is reproducible byte for byte."""

from __future__ import annotations

import errno
import re

import pandas as pd
import pytest
import torch

from hooke.atomic import atomic_dir, atomic_file
from hooke.data import load_reviews
from hooke.errors import HookeError
from hooke.hub import fetch_base
from hooke.splits import read_split


def test_empty_split_is_named(tmp_path):
    path = tmp_path / "positive.parquet"
    pd.DataFrame(
        {"prompt": pd.Series([], dtype=str), "response": pd.Series([], dtype=str)}
    ).to_parquet(path)
    with pytest.raises(HookeError, match=r"positive.parquet: holds no rows"):
        read_split(path, ["prompt", "response"])


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "prompts.parquet"
    pd.DataFrame({"text": ["a"]}).to_parquet(path)
    with pytest.raises(HookeError, match=r"prompts.parquet: column 'prompt' is missing"):
        read_split(path, ["prompt"])


def test_not_parquet_is_named(tmp_path):
    path = tmp_path / "harvest.parquet"
    path.write_text("not parquet")
    with pytest.raises(HookeError, match=r"harvest.parquet: not a readable Parquet file"):
        read_split(path, ["prompt"])


def test_non_utf8_text_is_named(tmp_path):
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / "train.csv").write_bytes(b"text,label\n\xff\xfe broken,1\n")
    with pytest.raises(HookeError, match="(?i)could not be loaded: .*utf-?8"):
        load_reviews({"source": "hub", "hub": {"path": str(folder)}})


def test_missing_dataset_is_named(tmp_path):
    with pytest.raises(HookeError, match="could not be loaded"):
        load_reviews({"source": "hub", "hub": {"path": str(tmp_path / "nowhere")}})


def test_nan_loss_stops_with_the_step():
    from hooke.trainer import fail_on_nonfinite

    class State:
        global_step = 7

    with pytest.raises(HookeError, match="training loss became nan at step 7"):
        fail_on_nonfinite().on_log(None, State(), None, logs={"loss": float("nan")})


def test_exploding_loss_in_a_real_run_fails_fast(tmp_path):
    from helpers import save_tiny_lm

    from hooke.models import load_model, load_tokenizer
    from hooke.trainer import completion_dataset, finetune

    folder = save_tiny_lm(tmp_path / "lm")
    model, tokenizer = load_model(folder), load_tokenizer(folder)
    with torch.no_grad():
        model.get_input_embeddings().weight.fill_(float("inf"))
    data = completion_dataset(["a good film"] * 4, ["with a plot"] * 4, tokenizer, 32)
    with pytest.raises(HookeError, match="at step 1"):
        finetune(
            model,
            tokenizer,
            data,
            {"batch_size": 2, "learning_rate": 1e-3},
            tmp_path / "out",
            [],
            seed=0,
        )


def test_full_disk_leaves_no_partial_file(tmp_path):
    target = tmp_path / "metrics.parquet"
    with pytest.raises(OSError), atomic_file(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_failed_directory_output_leaves_nothing(tmp_path):
    target = tmp_path / "slices"
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "slice-1").mkdir()
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_shell_metacharacters_in_a_model_id_stay_data(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    canary = tmp_path / "pwned"
    repo = f"org/model; touch {canary}; $(touch {canary})"
    with pytest.raises(HookeError, match="could not be downloaded"):
        fetch_base({"repo": repo}, tmp_path / "base")
    assert not canary.exists() and not (tmp_path / "base").exists()


def test_shell_metacharacters_in_config_plan_without_running(tmp_path):
    import yaml
    from conftest import load_test_config, snakemake

    canary = tmp_path / "pwned"
    config = load_test_config()
    config["bases"]["evil"] = {"source": "hub", "repo": f"x`touch {canary}`; touch {canary}"}
    config["resistance"]["bases"] = ["evil"]
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", configfile=path)
    assert "download_base" in result.stdout and not canary.exists()


def test_trust_remote_code_is_off_unless_asked(tmp_path):
    from helpers import save_tiny_lm

    source = save_tiny_lm(tmp_path / "src")
    (source / "modeling_custom.py").write_text("raise SystemExit('remote code ran')")
    copied = fetch_base({"repo": str(source)}, tmp_path / "safe")
    assert not (copied / "modeling_custom.py").exists()
    trusted = fetch_base({"repo": str(source), "trust_remote_code": True}, tmp_path / "trusted")
    assert (trusted / "modeling_custom.py").exists()


@pytest.mark.parametrize("damage", ["truncate", "scramble"])
def test_a_truncated_or_corrupt_model_file_is_one_line_saying_what_to_delete(tmp_path, damage):
    """A safetensors file cut short (a full disk, a copy stopped halfway) or with a broken
    header: one line naming the folder and telling the user to delete it and re-run."""
    from helpers import save_tiny_lm

    from hooke.models import load_model

    model = save_tiny_lm(tmp_path / "model", seed=0)
    (weights,) = model.glob("*.safetensors")
    data = bytearray(weights.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[10:40] = b"x" * 30
    weights.write_bytes(bytes(data))
    with pytest.raises(
        HookeError, match=rf"{re.escape(str(model))}: its weights are truncated or corrupt .*delete"
    ) as err:
        load_model(model)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", ["loop", "file"])
def test_a_results_folder_that_loops_or_is_a_file_is_one_line_before_any_job(tmp_path, kind):
    from conftest import snakemake

    if kind == "loop":
        (tmp_path / "results").symlink_to(tmp_path / "results")
    else:
        (tmp_path / "results").write_text("")
    result = snakemake(tmp_path, "-n", check=False)
    expected = "a symlink loop" if kind == "loop" else "is a file, not a folder"
    assert result.returncode != 0
    assert f"hooke: error: results folder '{tmp_path / 'results'}" in result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


OOM_JOB = """
import sys
from types import SimpleNamespace
from hooke.script import entry
snakemake = SimpleNamespace(
    rule="finetune_perturbed", log=[sys.argv[1]], threads=1, config={}, params=SimpleNamespace(),
    resources=SimpleNamespace(mem_mb=3000), wildcards={},
)
with entry(snakemake, uses_torch=False):
    if sys.argv[2] == "cpu":  # torch's CPU allocator says it so
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: "
                           "can't allocate memory: you tried to allocate 8589934592 bytes.")
    if sys.argv[2] == "python":
        raise MemoryError()
    if sys.argv[2] == "disk":  # what a write to a full disk raises
        import errno
        raise OSError(errno.ENOSPC, "No space left on device", "results/x/model.safetensors")
    if sys.argv[2] == "torch-disk":  # torch.save's writer wraps it in a RuntimeError
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter "
                           "failed writing file data/0: file write failed: No space left on device")
    raise RuntimeError("some other failure")
"""


@pytest.mark.parametrize("kind", ["cpu", "python"])
def test_a_job_out_of_memory_says_so_in_one_line(tmp_path, kind):
    """A job that runs out of memory (torch's allocator or Python's MemoryError): one line
    naming the rule and the memory it asked for, exit 1; any other error keeps its traceback."""
    import subprocess
    import sys

    log = tmp_path / "job.log"
    run = subprocess.run(
        [sys.executable, "-c", OOM_JOB, str(log), kind], capture_output=True, text=True
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hooke: error: rule finetune_perturbed: out of")
    assert "it asked for 3000 MB (resources.mem_mb)" in lines[0]
    assert lines[0] in log.read_text()
    other = subprocess.run(
        [sys.executable, "-c", OOM_JOB, str(log), "other"], capture_output=True, text=True
    )
    assert other.returncode == 1 and "Traceback" in log.read_text()


@pytest.mark.parametrize("kind", ["disk", "torch-disk"])
def test_a_job_whose_disk_fills_says_so_in_one_line(tmp_path, kind):
    """A write to a full disk (the OSError itself, or torch's writer's RuntimeError): one line
    naming the rule and saying that nothing half-written was kept, exit 1."""
    import subprocess
    import sys

    log = tmp_path / "job.log"
    run = subprocess.run(
        [sys.executable, "-c", OOM_JOB, str(log), kind], capture_output=True, text=True
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "hooke: error: rule finetune_perturbed: the disk"
    )
    assert "nothing half-written was kept" in lines[0] and lines[0] in log.read_text()
    if kind == "disk":
        assert "writing results/x/model.safetensors" in lines[0]
