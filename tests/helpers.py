"""Tiny models and tokenizers saved to disk, for tests of the loading code."""

from __future__ import annotations

from pathlib import Path

TEXTS = [
    "a good film with a great plot",
    "a bad film with a dull plot",
    "great acting and a good story",
    "dull acting and a bad story",
] * 20

# The job metadata of a Setting II run, for tests that call its functions directly.
REBOUND_META = {
    "setting": "rebound",
    "base": "b",
    "task": "t",
    "seed": 0,
    "direction": "positive_first",
    "aligner": "sft",
    "config_hash": "x",
}


def tiny_tokenizer():
    from hooke.pretrain import train_tokenizer

    return train_tokenizer(TEXTS, vocab_size=120)


def save_tiny_lm(folder: Path, seed: int | None = None) -> Path:
    """A randomly initialised tiny Llama and its tokenizer, saved as safetensors (`seed`:
    the initialisation's, for tests whose thresholds are tuned to one model)."""
    from hooke.pretrain import build_model

    if seed is not None:
        import torch

        torch.manual_seed(seed)

    tokenizer = tiny_tokenizer()
    model = build_model(
        {
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
        },
        tokenizer,
        context=32,
    )
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_llama_config(tokenizer, **extra):
    """The config of a one-layer, 16-wide Llama for `tokenizer`."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        **extra,
    )


def save_tiny_classifier(folder: Path) -> Path:
    """A randomly initialised tiny Llama sequence classifier with labels NEGATIVE/POSITIVE."""
    from transformers import LlamaForSequenceClassification

    tokenizer = tiny_tokenizer()
    config = tiny_llama_config(
        tokenizer,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    LlamaForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_cost_model(folder: Path, head: str = "score_head", seed: int = 0):
    """A randomly initialised tiny Llama backbone with a linear score head (no bias), saved
    the way beaver-7b's cost models are: `model.*` backbone tensors and `<head>.weight`.
    Returns the folder and the (backbone, head weight) to compute expected scores with."""
    import torch
    from safetensors.torch import save_file
    from transformers import LlamaModel

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    config = tiny_llama_config(tokenizer)
    backbone = LlamaModel(config).eval()
    weight = torch.randn(1, config.hidden_size)
    tensors = {f"model.{k}": v.contiguous() for k, v in backbone.state_dict().items()}
    tensors[f"{head}.weight"] = weight
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config.architectures = ["LlamaForScore"]
    config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, backbone, weight


def readout_spec(folder: Path, base: Path, aligning: Path, **params):
    """What a perturbation run reads along its grid, for tests that call it directly: held-out
    prompts of both poles and D_p texts written into `folder`, read with tiny eval settings
    (`params` on top), sampling at no grid point unless `sample_at` says."""
    import pandas as pd

    from hooke.grid_readouts import ReadoutSpec

    folder.mkdir(parents=True, exist_ok=True)
    pairs = pd.DataFrame(
        {
            "prompt": [t.split(" with ")[0] for t in TEXTS[:8]],
            "response": TEXTS[:8],
            "label": [1, 0] * 4,
        }
    )
    pairs.to_parquet(folder / "prompts.parquet")
    pd.DataFrame({"text": TEXTS[:8], "label": [1, 0] * 4}).to_parquet(folder / "heldout.parquet")
    settings = {
        "prompts": 4,
        "max_new_tokens": 4,
        "temperature": 1.0,
        "top_p": 1.0,
        "batch_size": 4,
        "max_length": 32,
        "compression_texts": 4,
        "sample_at": [],
        **params,
    }
    return ReadoutSpec(
        str(base),
        str(folder / "prompts.parquet"),
        str(folder / "heldout.parquet"),
        str(aligning),
        settings,
    )


def run_outputs(folder: Path) -> dict[str, Path]:
    """The three outputs of a perturbation run, in `folder`."""
    return {name: folder / f"{name}.parquet" for name in ("readouts", "responses", "metrics")}
