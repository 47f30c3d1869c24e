"""Token-level measures of one model (or two) on fixed token sequences: per-example negative
log-likelihood, and the exact per-position KL divergence between two models' next-token
distributions. Pure tensor code, shared by every stage that measures a model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def nll_from_logits(logits, labels):
    """Summed NLL and token count per row. logits (B, T, V) predict labels (B, T) shifted by
    one; label -100 is ignored. Returns two (B,) tensors."""
    import torch

    logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    targets = labels[:, 1:]
    mask = targets != -100
    picked = logprobs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * mask).sum(-1), mask.sum(-1)


def kl_from_logits(logits_p, logits_q, labels):
    """Summed KL(p || q) of the next-token distributions over the positions that predict a
    label (not -100), and their count, per row. logits_* (B, T, V). Returns two (B,) tensors."""
    import torch

    logp = torch.log_softmax(logits_p[:, :-1].float(), dim=-1)
    logq = torch.log_softmax(logits_q[:, :-1].float(), dim=-1)
    kl = (logp.exp() * (logp - logq)).sum(-1)  # (B, T-1)
    mask = labels[:, 1:] != -100
    return (kl * mask).sum(-1), mask.sum(-1)


@dataclass
class ExampleScores:
    """Per example: summed NLL (or KL) and the number of tokens it covers."""

    total: np.ndarray
    tokens: np.ndarray

    def mean(self) -> float:
        """Token-weighted mean over all examples."""
        return float(self.total.sum() / max(int(self.tokens.sum()), 1))


def _batches(dataset, tokenizer, batch_size: int):
    from hooke.trainer import collator

    collate = collator(tokenizer)
    rows = [dataset[i] for i in range(len(dataset))]
    for start in range(0, len(rows), batch_size):
        yield collate(rows[start : start + batch_size])


def example_nll(model, tokenizer, dataset, batch_size: int = 32) -> ExampleScores:
    """Each example's summed NLL of its labelled (response) tokens under `model`."""
    import torch

    model.eval()
    totals, counts = [], []
    with torch.no_grad():
        for batch in _batches(dataset, tokenizer, batch_size):
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            total, count = nll_from_logits(logits, batch["labels"])
            totals.append(total.numpy())
            counts.append(count.numpy())
    return ExampleScores(np.concatenate(totals), np.concatenate(counts))


def example_kl(model_p, model_q, tokenizer, dataset, batch_size: int = 32) -> ExampleScores:
    """Each example's summed KL(p || q) over its labelled (response) positions."""
    import torch

    model_p.eval()
    model_q.eval()
    totals, counts = [], []
    with torch.no_grad():
        for batch in _batches(dataset, tokenizer, batch_size):
            inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
            total, count = kl_from_logits(
                model_p(**inputs).logits, model_q(**inputs).logits, batch["labels"]
            )
            totals.append(total.numpy())
            counts.append(count.numpy())
    return ExampleScores(np.concatenate(totals), np.concatenate(counts))
