"""Pre-train slices of a tiny model from scratch, Llama-shaped unless the config names another
family (GPT-NeoX, Qwen2, ...): the local stand-in for intermediate hub checkpoints (TinyLlama
at 2T / 2.5T / 3T tokens, Pythia `step…` branches).

One run trains a byte-level BPE tokenizer, then one model with HF `Trainer` on packed text, and
saves a slice (model + tokenizer) each time the tokens seen reach a configured budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.atomic import resumable_dir
from hooke.errors import HookeError
from hooke.metrics import metrics_table, write_metrics
from hooke.paths import tokens_dir
from hooke.provenance import config_hash
from hooke.trainer import (
    SaveSlices,
    checkpointing,
    drop,
    fail_on_nonfinite,
    loss_rows,
    train_resumably,
    training_arguments,
)

SPECIAL = {"pad": "<pad>", "bos": "<s>", "eos": "</s>"}


def train_tokenizer(texts: list[str], vocab_size: int):
    """A byte-level BPE tokenizer trained on `texts`, wrapped for transformers; adds <s>."""
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=2, special_tokens=list(SPECIAL.values())
    )
    bos = SPECIAL["bos"]
    bpe.post_processor = TemplateProcessing(
        single=f"{bos} $A", special_tokens=[(bos, bpe.token_to_id(bos))]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,
        bos_token=bos,
        eos_token=SPECIAL["eos"],
        pad_token=SPECIAL["pad"],
    )


# The families whose configs take the shape below under these names (each built and run once
# on a tiny shape by tests/test_pretrain.py); GPT-2's config names its width n_embd instead.
MODEL_TYPES = (
    "llama",
    "gpt_neox",
    "qwen2",
    "qwen3",
    "mistral",
    "gemma",
    "gemma2",
    "olmo2",
    "phi3",
    "stablelm",
)


def build_model(architecture: Mapping[str, Any], tokenizer, context: int):
    """A freshly initialised causal LM of the configured family (`model_type`, llama unless
    named) and shape; every attention head has its own keys and values, of width
    hidden_size / heads (families differ in these defaults, so they are set)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    shape = dict(architecture)
    model_type = shape.pop("model_type", "llama")
    if model_type not in MODEL_TYPES:
        raise HookeError(
            f"architecture.model_type '{model_type}' is not one of {', '.join(MODEL_TYPES)}"
        )
    heads = shape["num_attention_heads"]
    config = AutoConfig.for_model(
        model_type,
        vocab_size=len(tokenizer),
        **shape,
        num_key_value_heads=heads,
        head_dim=shape["hidden_size"] // heads,
        max_position_embeddings=context,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return AutoModelForCausalLM.from_config(config)


def pack(texts: list[str], tokenizer, context: int):
    """Texts as one stream (<s> text </s> ...) cut into blocks of `context` tokens."""
    from datasets import Dataset

    stream: list[int] = []
    for ids in tokenizer(texts)["input_ids"]:
        stream.extend(ids)
        stream.append(tokenizer.eos_token_id)
    blocks = [stream[i : i + context] for i in range(0, len(stream) - context + 1, context)]
    if not blocks:
        raise HookeError(f"pre-training text is shorter than one context of {context} tokens")
    return Dataset.from_dict({"input_ids": blocks, "labels": blocks})


def pretrain_slices(
    spec: Mapping[str, Any],
    text_path: str | Path,
    out_dir: str | Path,
    run: str,
) -> dict[int, float]:
    """Train one local pre-training run and save its slices; returns final loss per slice.
    A killed run resumes from its last checkpoint (every `checkpoint_every` steps of the config)."""
    from transformers import Trainer

    from hooke.splits import read_split

    texts = read_split(text_path, ["text"])["text"].tolist()
    tokenizer = train_tokenizer(texts, spec["vocab_size"])
    context, batch = spec["context"], spec["batch_size"]
    tokens_per_step = batch * context
    budgets = sorted(int(t) for t in spec["slices"])
    steps = {max(1, math.ceil(t / tokens_per_step)): t for t in budgets}
    model = build_model(spec["architecture"], tokenizer, context)
    data = pack(texts, tokenizer, context)
    with resumable_dir(out_dir, config_hash(spec)) as work:
        saver = SaveSlices({s: tokens_dir(work, t) for s, t in steps.items()}, tokenizer)
        args = training_arguments(
            output_dir=work / "trainer",
            max_steps=max(steps),
            per_device_train_batch_size=batch,
            learning_rate=spec["learning_rate"],
            warmup_steps=max(1, int(spec["warmup_fraction"] * max(steps))),
            lr_scheduler_type="cosine",
            weight_decay=spec["weight_decay"],
            seed=spec["seed"],
            include_num_input_tokens_seen="all",
            **checkpointing(),
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=data,
            callbacks=[fail_on_nonfinite(), saver.callback],
        )
        records = train_resumably(trainer, work / "trainer")
        table = metrics_table(
            loss_rows(records),
            setting="pretrain",
            base=run,
            seed=spec["seed"],
            config_hash=config_hash(spec),
        )
        write_metrics(table, work / "metrics.parquet")
        drop(work / "trainer")
    by_step = {r["step"]: r["loss"] for r in records}
    return {t: by_step.get(s, float("nan")) for s, t in steps.items()}
