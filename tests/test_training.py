"""Training and generation pieces on hand-checkable inputs."""

from __future__ import annotations

import pytest
import torch
from helpers import tiny_tokenizer

from hooke.generate import _generated_mask
from hooke.train import slice_steps, token_budget
from hooke.trainer import completion_dataset


def test_slice_steps_cut_the_epoch_evenly():
    assert slice_steps(9, 3) == {3: 1, 6: 2, 9: 3}
    assert slice_steps(10, 3) == {3: 1, 7: 2, 10: 3}
    assert slice_steps(10, 3, [0.2, 0.5, 1.0]) == {2: 1, 5: 2, 10: 3}
    with pytest.raises(ValueError):
        slice_steps(2, 3)


def test_token_budget_is_exact():
    from datasets import Dataset

    from hooke.errors import HookeError

    ids = [[1] * 5, [2] * 7, [3] * 4, [4] * 6]
    labels = [[-100] + x[1:] for x in ids]  # one prompt token each
    data = Dataset.from_dict({"input_ids": ids, "labels": labels})
    cut = token_budget(data, 9, batch_size=1)
    assert [len(x) for x in cut["input_ids"]] == [4, 5]  # 3 cut: the longest first
    assert cut["labels"][1] == [-100] + [2] * 4
    # two full batches of 2: 5 + 7 + 4 + 6 = 22 tokens, 6 cut from the longest examples
    cut = token_budget(data, 16, batch_size=2)
    assert [len(x) for x in cut["input_ids"]] == [4, 4, 4, 4]
    assert sum(len(x) for x in cut["labels"]) == 16
    with pytest.raises(HookeError, match="resistance.inverse.tokens"):
        token_budget(data, 100, batch_size=2)
    with pytest.raises(HookeError, match="emptying responses"):
        token_budget(data, 5, batch_size=4)


def test_generated_mask_stops_after_first_eos():
    generated = torch.tensor([[5, 6, 2, 0, 0], [5, 2, 7, 2, 0], [5, 6, 7, 8, 9]])
    mask = _generated_mask(generated, eos_id=2)
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]


def test_completion_labels_mask_the_prompt():
    tokenizer = tiny_tokenizer()
    data = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=64)
    ids, labels = data[0]["input_ids"], data[0]["labels"]
    n_prompt = len(tokenizer("a good film")["input_ids"])
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert labels[:n_prompt] == [-100] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:]
    short = completion_dataset(["a good film"], ["with a great plot"], tokenizer, max_length=4)
    assert len(short[0]["input_ids"]) == 4 == len(short[0]["labels"])


def test_a_lora_base_trains_adapters_that_later_stages_load_merged(tmp_path, tiny_run, monkeypatch):
    import shutil

    import yaml
    from conftest import TEST_CONFIG, snakemake
    from safetensors.torch import load_file

    from hooke.models import load_model

    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["bases"]["micro-8k"]["lora"] = {"r": 4, "alpha": 8}
    config_path = tmp_path / "lora.yaml"
    config_path.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "run"
    for part in ("data", "pretrain"):
        shutil.copytree(tiny_run / "results" / part, workdir / "results" / part)
    target = "results/inverse/micro-8k/imdb/seed-0/pair-1-2/inverse.parquet"
    snakemake(workdir, target, configfile=config_path)
    slice_1 = workdir / "results/sft/micro-8k/imdb/slice-1"
    assert (slice_1 / "adapter_model.safetensors").is_file()
    assert not (slice_1 / "model.safetensors").exists()  # adapters only, not a full copy
    adapter = load_file(str(slice_1 / "adapter_model.safetensors"))
    assert adapter and all("lora_" in key for key in adapter)
    monkeypatch.chdir(workdir)  # adapters name their base relative to the run's directory
    base_dir = workdir / "results/pretrain/micro/tokens-8192"
    base, merged = load_model(base_dir), load_model(slice_1)
    assert type(merged).__name__ == "LlamaForCausalLM"
    changed = [
        name
        for name, weight in merged.state_dict().items()
        if not torch.equal(weight, base.state_dict()[name])
    ]
    assert changed and all("proj" in name for name in changed)  # only adapted linears moved
    assert (workdir / target).is_file()
