"""Hub bases and loaders, exercised on local directories (no network here)."""

from __future__ import annotations

import pytest
from helpers import save_tiny_lm

from hooke.errors import HookeError
from hooke.hub import fetch_base
from hooke.models import check_pair, load_model, load_tokenizer


def test_local_directory_base_copies_safe_files(tmp_path):
    source = save_tiny_lm(tmp_path / "src")
    (source / "pytorch_model.bin").write_bytes(b"pickle")
    (source / "modeling_evil.py").write_text("raise SystemExit")
    out = fetch_base({"repo": str(source)}, tmp_path / "base")
    names = {p.name for p in out.iterdir()}
    assert "model.safetensors" in names and "config.json" in names
    assert "pytorch_model.bin" not in names and "modeling_evil.py" not in names
    model, tokenizer = load_model(out), load_tokenizer(out)
    check_pair(model, tokenizer, str(out))


def test_pickle_only_base_is_refused(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "config.json").write_text("{}")
    (source / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(HookeError, match="no .safetensors weights"):
        fetch_base({"repo": str(source)}, tmp_path / "base")
    assert not (tmp_path / "base").exists()


def test_hub_download_asks_for_safe_files_only(tmp_path, monkeypatch):
    calls = {}
    source = save_tiny_lm(tmp_path / "src")
    commit = "0123456789abcdef0123456789abcdef01234567"

    def fake_snapshot_download(repo_id, revision, allow_patterns):
        import shutil

        calls.update(repo_id=repo_id, revision=revision, allow_patterns=allow_patterns)
        snapshot = tmp_path / "cache" / "snapshots" / commit
        shutil.copytree(source, snapshot)
        return str(snapshot)

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    spec = {"repo": "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "revision": "abc123"}
    out = fetch_base(spec, tmp_path / "base")
    assert calls["repo_id"] == spec["repo"] and calls["revision"] == "abc123"
    assert "*.safetensors" in calls["allow_patterns"]
    assert not any("bin" in p or p.endswith(".py") for p in calls["allow_patterns"])
    assert (out / "model.safetensors").is_file()


def _hub_cache(cache, repo, ref, commit, source):
    """The hub cache's documented layout: refs/<ref> holds the commit; snapshots/<commit>/
    links each file to its blob."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / ref).write_text(commit)
    snapshot = folder / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (folder / "blobs").mkdir()
    for i, file in enumerate(sorted(source.iterdir())):
        blob = folder / "blobs" / f"blob{i}"
        blob.write_bytes(file.read_bytes())
        (snapshot / file.name).symlink_to(blob)


def test_the_commit_a_download_resolved_to_is_recorded(tmp_path, monkeypatch):
    """huggingface_hub itself (offline, from a cache in its documented layout) resolves a
    branch to its snapshot; the snapshot folder's name is the commit recorded, and the
    weights are real files beside it (hard links to the cache's blobs)."""
    import json

    from huggingface_hub import constants

    from hooke.hub import REVISION_FILE

    commit = "0123456789abcdef0123456789abcdef01234567"
    _hub_cache(tmp_path / "cache", "org/model", "step1000", commit, save_tiny_lm(tmp_path / "m"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    out = fetch_base({"repo": "org/model", "revision": "step1000"}, tmp_path / "base")
    record = json.loads((out / REVISION_FILE).read_text())
    assert record == {"repo": "org/model", "requested": "step1000", "commit": commit}
    weights = out / "model.safetensors"
    assert weights.is_file() and not weights.is_symlink() and weights.stat().st_nlink == 2
    assert load_model(out).config.model_type == "llama"


def test_not_a_model_directory(tmp_path):
    with pytest.raises(HookeError, match="not a model directory"):
        load_model(tmp_path)


def test_tokenizer_model_mismatch(tmp_path):
    from helpers import tiny_tokenizer

    from hooke.pretrain import build_model

    tokenizer = tiny_tokenizer()
    model = build_model(
        {
            "hidden_size": 8,
            "intermediate_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
        },
        tokenizer,
        context=16,
    )
    model.resize_token_embeddings(10)
    with pytest.raises(HookeError, match="tokenizer has"):
        check_pair(model, tokenizer, "here")


def test_vllm_backend_without_vllm_fails_in_one_line(tmp_path, monkeypatch):
    import importlib.util

    import pandas as pd

    from hooke.errors import HookeError
    from hooke.harvest import harvest_responses

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "vllm" else real_find_spec(name)
    )
    prompts = tmp_path / "prompts.parquet"
    pd.DataFrame({"prompt": ["a film"]}).to_parquet(prompts)
    params = {
        "prompts": 1,
        "backend": "vllm",
        "temperature": 1.0,
        "top_p": 1.0,
        "max_new_tokens": 4,
        "batch_size": 1,
    }
    with pytest.raises(HookeError, match="harvest backend 'vllm' is not installed"):
        harvest_responses(tmp_path, prompts, tmp_path / "out.parquet", params, seed=0, slice_k=1)
    assert not (tmp_path / "out.parquet").exists()
