"""Tiny models and tokenizers saved to disk, for tests of the loading code."""

from __future__ import annotations

from pathlib import Path

TEXTS = [
    "a good film with a great plot",
    "a bad film with a dull plot",
    "great acting and a good story",
    "dull acting and a bad story",
] * 20


def tiny_tokenizer():
    from hooke.pretrain import train_tokenizer

    return train_tokenizer(TEXTS, vocab_size=120)


def save_tiny_lm(folder: Path) -> Path:
    """A randomly initialised tiny Llama and its tokenizer, saved as safetensors."""
    from hooke.pretrain import build_model

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


def save_tiny_classifier(folder: Path) -> Path:
    """A randomly initialised tiny Llama sequence classifier with labels NEGATIVE/POSITIVE."""
    from transformers import LlamaConfig, LlamaForSequenceClassification

    tokenizer = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    LlamaForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder
