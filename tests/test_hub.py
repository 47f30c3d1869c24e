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

    def fake_snapshot_download(repo_id, revision, local_dir, allow_patterns):
        import shutil

        calls.update(repo_id=repo_id, revision=revision, allow_patterns=allow_patterns)
        for file in source.iterdir():
            shutil.copy(file, local_dir)

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    spec = {"repo": "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "revision": "abc123"}
    out = fetch_base(spec, tmp_path / "base")
    assert calls["repo_id"] == spec["repo"] and calls["revision"] == "abc123"
    assert "*.safetensors" in calls["allow_patterns"]
    assert not any("bin" in p or p.endswith(".py") for p in calls["allow_patterns"])
    assert (out / "model.safetensors").is_file()


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


def test_the_commit_a_download_resolved_to_is_recorded(tmp_path):
    import json

    from hooke.hub import REVISION_FILE, record_revision

    download = tmp_path / ".cache" / "huggingface" / "download"
    download.mkdir(parents=True)
    commit = "0123456789abcdef0123456789abcdef01234567"
    for name in ("config.json", "model.safetensors"):
        (download / f"{name}.metadata").write_text(f'{commit}\n"etag"\n1.0\n')
    record = record_revision(tmp_path, "org/model", "step1000")
    assert record == {"repo": "org/model", "requested": "step1000", "commit": commit}
    assert json.loads((tmp_path / REVISION_FILE).read_text()) == record


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
