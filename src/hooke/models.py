"""Load causal LMs and tokenizers safely: safetensors only, no remote code unless asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hooke.errors import HookeError


def device():
    """This process's device: its GPU when there is one (a launched process: its local
    rank's), else the CPU."""
    import os

    import torch

    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def load_model(path: str | Path, trust_remote_code: bool = False, **kwargs: Any):
    """A causal LM from a local directory (weights must be safetensors), on this process's
    device. A directory holding a LoRA adapter (a stage trained with `lora`) is loaded onto
    its own base, itself loaded this way, and merged: every stage sees a plain model."""
    path = Path(path)
    if (path / "adapter_config.json").is_file():
        return load_merged_adapter(path, trust_remote_code, **kwargs).to(device())
    return _load_plain(path, trust_remote_code, **kwargs).to(device())


def _load_plain(path: Path, trust_remote_code: bool = False, **kwargs: Any):
    from transformers import AutoModelForCausalLM

    if not (path / "config.json").is_file():
        raise HookeError(f"{path}: not a model directory (no config.json)")
    if not any(path.glob("*.safetensors")):
        raise HookeError(f"{path}: no .safetensors weights (pickled weights are refused)")
    from safetensors import SafetensorError

    from hooke.runtime import ACCELERATE

    kwargs.setdefault("attn_implementation", ACCELERATE["attention"])
    try:
        return AutoModelForCausalLM.from_pretrained(
            path, use_safetensors=True, trust_remote_code=trust_remote_code, **kwargs
        )
    except SafetensorError as exc:  # a write cut short (a full disk, a copy stopped halfway)
        first = str(exc).strip().splitlines()[0]
        raise HookeError(
            f"{path}: its weights are truncated or corrupt ({first}); delete {path} and "
            "re-run, and the stage that wrote it writes it again"
        ) from None
    except (OSError, ValueError) as exc:
        raise HookeError(f"{path}: could not load the model: {exc}") from None


def load_tokenizer(path: str | Path, trust_remote_code: bool = False, padding_side: str = "right"):
    """The tokenizer saved beside a model, with a pad token guaranteed."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise HookeError(f"{path}: could not load the tokenizer: {exc}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = padding_side
    from hooke import templates

    templates.resolve(tokenizer)  # template 'auto': chat where the tokenizer carries one
    return tokenizer


def check_pair(model, tokenizer, where: str) -> None:
    """Fail when the tokenizer produces ids the model's embedding cannot hold."""
    rows = model.get_input_embeddings().weight.shape[0]
    if len(tokenizer) > rows:
        raise HookeError(
            f"{where}: tokenizer has {len(tokenizer)} tokens but the model embeds only {rows}"
        )


def load_merged_adapter(path: Path, trust_remote_code: bool = False, **kwargs: Any):
    """The base named in a LoRA adapter's config (a path relative to the run's directory,
    like every path of the pipeline), with the adapter merged into it."""
    import json

    from peft import PeftModel

    if not (path / "adapter_model.safetensors").is_file():
        raise HookeError(f"{path}: no adapter_model.safetensors (pickled weights are refused)")
    base_path = json.loads((path / "adapter_config.json").read_text())["base_model_name_or_path"]
    base = load_model(base_path, trust_remote_code, **kwargs)
    merged = PeftModel.from_pretrained(base, path).merge_and_unload()
    merged.config._name_or_path = str(path)  # an adapter trained on top names this as its base
    return merged


def add_lora(model, spec: dict[str, Any] | None):
    """`model` with trainable LoRA adapters (PEFT) when `spec` asks for them, else as is."""
    if not spec:
        return model
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=spec.get("r", 16),
        lora_alpha=spec.get("alpha", 32),
        lora_dropout=spec.get("dropout", 0.0),
        target_modules=spec.get("target_modules") or "all-linear",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def load_trainable(path: str | Path, trust_remote_code: bool = False, lora=None):
    """A model and its tokenizer from `path`, checked to fit each other; with LoRA adapters
    to train when the base's `lora` spec is given."""
    model = load_model(path, trust_remote_code)
    tokenizer = load_tokenizer(path, trust_remote_code)
    check_pair(model, tokenizer, str(path))
    return add_lora(model, lora), tokenizer


def whole_models_again() -> None:
    """Forget the ZeRO-3 config a finished trainer left registered in this process, so that
    the next model loaded is whole, as at a job's start (transformers would otherwise build
    it partitioned, before any trainer owns it). For jobs that train twice."""
    import sys

    if "transformers.integrations.deepspeed" in sys.modules:
        from transformers.integrations.deepspeed import unset_hf_deepspeed_config

        unset_hf_deepspeed_config()
