"""A Hugging Face sequence-classification model as a scorer, by hub id (pinned revision) or
local directory: e.g. an IMDb sentiment classifier. Safetensors only, no remote code unless
the config says so. The whole labelled split is its test set (it is not trained here)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hooke.errors import HookeError
from hooke.models import device


class HFClassifierScorer:
    def __init__(self, model, tokenizer, positive_index: int, batch_size: int, max_length: int):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.positive_index, self.batch_size, self.max_length = (
            positive_index,
            batch_size,
            max_length,
        )

    def score(self, texts: list[str]) -> np.ndarray:
        import torch

        from hooke.scorers.base import encoded_batches

        out = []
        for enc in encoded_batches(self.tokenizer, texts, self.batch_size, self.max_length):
            with torch.no_grad():
                logits = self.model(**enc.to(self.model.device)).logits
            probs = torch.softmax(logits.float(), dim=-1)
            out.append(probs[:, self.positive_index].cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0)


def positive_index(config, label: str | int) -> int:
    """The output index of the desirable label, given by name (`id2label`) or index."""
    if isinstance(label, int):
        return label
    names = {str(v).lower(): int(k) for k, v in config.id2label.items()}
    if label.lower() not in names:
        raise HookeError(f"scorer positive_label '{label}' is not among {sorted(names)}")
    return names[label.lower()]


def build(spec: Mapping[str, Any], train, out_dir: Path) -> dict[str, float]:
    from hooke.hub import fetch_base
    from hooke.scorers.base import heldout_figures

    fetch_base(
        {
            "repo": spec["model"],
            "revision": spec.get("revision"),
            "trust_remote_code": spec.get("trust_remote_code", False),
        },
        out_dir / "model",
    )
    scorer = load(spec, out_dir)
    return heldout_figures(scorer, train)


def load(spec: Mapping[str, Any], path: Path) -> HFClassifierScorer:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    trust = bool(spec.get("trust_remote_code", False))
    model = AutoModelForSequenceClassification.from_pretrained(
        path / "model", use_safetensors=True, trust_remote_code=trust
    ).to(device())
    tokenizer = AutoTokenizer.from_pretrained(path / "model", trust_remote_code=trust)
    return HFClassifierScorer(
        model,
        tokenizer,
        positive_index(model.config, spec["positive_label"]),
        spec.get("batch_size", 32),
        spec.get("max_length", 512),
    )
