"""Setting I's positive SFT (finetune_slices): where the slices fall, and LoRA bases."""

from __future__ import annotations

import pytest
import torch

from hooke.sft import slice_steps


def test_slice_steps_cut_the_epoch_evenly():
    assert slice_steps(9, 3) == {3: 1, 6: 2, 9: 3}
    assert slice_steps(10, 3) == {3: 1, 7: 2, 10: 3}
    assert slice_steps(10, 3, [0.2, 0.5, 1.0]) == {2: 1, 5: 2, 10: 3}
    with pytest.raises(ValueError):
        slice_steps(2, 3)


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
    slice_1 = workdir / "results/sft/micro-8k/imdb/seed-0/slice-1"
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
