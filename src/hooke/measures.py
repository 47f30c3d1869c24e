"""Token-level measures of one model (or two) on fixed token sequences: per-example negative
log-likelihood, and the exact per-position KL divergence between two models' next-token
distributions. Pure tensor code, shared by every stage that measures a model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def model_device(model):
    """Where a model's weights live (HF models say; a bare nn.Module, by its parameters)."""
    import torch

    if hasattr(model, "device"):
        return model.device
    first = next(iter(model.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


def next_token_logprobs(logits):
    """Each position's next-token log-probabilities in float32: logits (B, T, V) -> (B, T-1, V)."""
    import torch

    return torch.log_softmax(logits[:, :-1].float(), dim=-1)


def nll_from_logprobs(logprobs, labels):
    """Summed NLL and token count per row from `next_token_logprobs` (B, T-1, V) and the
    labels (B, T) they predict; label -100 is ignored. Returns two (B,) tensors."""
    targets = labels[:, 1:]
    mask = targets != -100
    picked = logprobs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * mask).sum(-1), mask.sum(-1)


def nll_from_logits(logits, labels):
    """Summed NLL and token count per row. logits (B, T, V) predict labels (B, T) shifted by
    one; label -100 is ignored. Returns two (B,) tensors."""
    return nll_from_logprobs(next_token_logprobs(logits), labels)


def position_kl(logp, logq):
    """Exact KL(p || q) over the vocabulary at each position, from log-probabilities (..., V)."""
    return (logp.exp() * (logp - logq)).sum(-1)


def kl_from_logprobs(logp, logq, labels):
    """Summed KL(p || q) over the positions that predict a label (not -100), and their count,
    per row, from two models' `next_token_logprobs`. Returns two (B,) tensors."""
    mask = labels[:, 1:] != -100
    return (position_kl(logp, logq) * mask).sum(-1), mask.sum(-1)


@dataclass
class ExampleScores:
    """Per example: summed NLL (or KL) and the number of tokens it covers."""

    total: np.ndarray
    tokens: np.ndarray

    def mean(self) -> float:
        """Token-weighted mean over all examples."""
        return float(self.total.sum() / max(int(self.tokens.sum()), 1))


def _batches(dataset, tokenizer, batch_size: int):
    """Collated batches of a `datasets.Dataset` or a list of row dicts, in order."""
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
            batch = batch.to(model_device(model))
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
            total, count = nll_from_logits(logits, batch["labels"])
            totals.append(total.cpu().numpy())
            counts.append(count.cpu().numpy())
    return ExampleScores(np.concatenate(totals), np.concatenate(counts))


def example_kl(model_p, model_q, tokenizer, dataset, batch_size: int = 32) -> ExampleScores:
    """Each example's summed KL(p || q) over its labelled (response) positions."""
    return example_kl_and_nll(model_p, model_q, tokenizer, dataset, batch_size)[0]


def example_kl_and_nll(
    model_p, model_q, tokenizer, dataset, batch_size: int = 32
) -> tuple[ExampleScores, ExampleScores, ExampleScores]:
    """Each example's summed KL(p || q) over its labelled positions, and its summed NLL under
    p and under q, from one forward pass of each model (the numbers `example_kl` and
    `example_nll` give, without running the models again)."""
    import torch

    model_p.eval()
    model_q.eval()
    columns: dict[str, list] = {"kl": [], "nll_p": [], "nll_q": [], "tokens": []}
    with torch.no_grad():
        for batch in _batches(dataset, tokenizer, batch_size):
            batch = batch.to(model_device(model_p))
            inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
            logits_q = model_q(**{k: v.to(model_device(model_q)) for k, v in inputs.items()}).logits
            logq = next_token_logprobs(logits_q.to(model_device(model_p)))
            logp = next_token_logprobs(model_p(**inputs).logits)  # each model's, once
            kl, count = kl_from_logprobs(logp, logq, batch["labels"])
            columns["kl"].append(kl.cpu().numpy())
            columns["tokens"].append(count.cpu().numpy())
            for name, logprobs in (("nll_p", logp), ("nll_q", logq)):
                columns[name].append(nll_from_logprobs(logprobs, batch["labels"])[0].cpu().numpy())
    tokens = np.concatenate(columns["tokens"])
    return tuple(
        ExampleScores(np.concatenate(columns[name]), tokens) for name in ("kl", "nll_p", "nll_q")
    )


def bits_per_byte(
    model, tokenizer, texts: list[str], max_length: int, batch_size: int = 16
) -> tuple[float, float]:
    """The compression rate of `model` on `texts`: total code length in bits of every token
    after the first (each predicted from its prefix) over the UTF-8 bytes those tokens spell,
    and over their number (bits per token). Texts are cut to `max_length` tokens; bytes are
    counted on the decoded cut, so byte-level tokenizers of any vocabulary compare."""
    import math

    import torch

    model.eval()
    bits = tokens = n_bytes = 0.0
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(
            texts[start : start + batch_size],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        with torch.no_grad():
            logits = model(
                input_ids=enc["input_ids"].to(model_device(model)),
                attention_mask=enc["attention_mask"].to(model_device(model)),
            ).logits
        total, count = nll_from_logits(logits, labels.to(logits.device))
        bits += float(total.sum()) / math.log(2)
        tokens += float(count.sum())
        for ids, mask in zip(enc["input_ids"], enc["attention_mask"], strict=True):
            kept = ids[mask.bool()][1:]  # the predicted tokens: all but the first
            n_bytes += len(tokenizer.decode(kept, skip_special_tokens=True).encode("utf-8"))
    return bits / max(n_bytes, 1.0), bits / max(tokens, 1.0)


def continuation_bits(
    model, tokenizer, prompts: list[str], continuations: list[str], max_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Teacher-forced code length of each continuation given its prompt: (bits, tokens,
    UTF-8 bytes) per text, for the continuation's tokens only (no end-of-text is appended:
    the continuations are windows, not endings). A likelihood readout with no sampling noise:
    the same model and texts always give the same numbers."""
    from hooke import templates

    prompt_ids = tokenizer(templates.prompts(prompts, tokenizer))["input_ids"]
    cont_ids = tokenizer(templates.responses(continuations), add_special_tokens=False)["input_ids"]
    # rows as plain dicts: a scoring job then never imports `datasets` (~0.5 s of its start)
    rows, n_bytes = [], []
    for p, c in zip(prompt_ids, cont_ids, strict=True):
        ids = (p + c)[:max_length]
        kept = ids[len(p) :]
        labels = [-100] * min(len(p), len(ids)) + kept
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
        n_bytes.append(len(tokenizer.decode(kept, skip_special_tokens=True).encode("utf-8")))
    scores = example_nll(model, tokenizer, rows)
    return scores.total / np.log(2), scores.tokens.astype(float), np.asarray(n_bytes, float)
