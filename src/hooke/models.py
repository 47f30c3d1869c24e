"""Load causal LMs and tokenizers safely: safetensors only, no remote code unless asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hooke.errors import HookeError


def load_model(path: str | Path, trust_remote_code: bool = False, **kwargs: Any):
    """A causal LM from a local directory (weights must be safetensors)."""
    from transformers import AutoModelForCausalLM

    path = Path(path)
    if not (path / "config.json").is_file():
        raise HookeError(f"{path}: not a model directory (no config.json)")
    if not any(path.glob("*.safetensors")):
        raise HookeError(f"{path}: no .safetensors weights (pickled weights are refused)")
    try:
        return AutoModelForCausalLM.from_pretrained(
            path, use_safetensors=True, trust_remote_code=trust_remote_code, **kwargs
        )
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
    return tokenizer


def check_pair(model, tokenizer, where: str) -> None:
    """Fail when the tokenizer produces ids the model's embedding cannot hold."""
    rows = model.get_input_embeddings().weight.shape[0]
    if len(tokenizer) > rows:
        raise HookeError(
            f"{where}: tokenizer has {len(tokenizer)} tokens but the model embeds only {rows}"
        )
