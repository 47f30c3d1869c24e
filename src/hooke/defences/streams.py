"""What the defences share: a model's decoder layers, and a resumable stream of harmful
batches beside the alignment data."""

from __future__ import annotations


def decoder_layers(model):
    """The model's stack of decoder layers (the ModuleList as long as its layer count), for
    Llama-, GPT-NeoX-, Qwen- and GPT-2-shaped models alike, LoRA-wrapped or not."""
    from torch import nn

    count = model.config.num_hidden_layers
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) == count:
            return list(module)
    raise ValueError(f"{type(model).__name__}: no stack of {count} decoder layers found")


def hidden_of(output):
    """A decoder layer's hidden states, whether the layer returns them bare or in a tuple."""
    return output[0] if isinstance(output, tuple) else output


def with_hidden(output, hidden):
    """The layer's output with its hidden states replaced."""
    return (hidden, *output[1:]) if isinstance(output, tuple) else hidden


class HarmfulStream:
    """Batches of the harmful (opposite-pole) data for step s: rows s*b ... s*b+b-1, wrapping
    around. A function of the step alone, so a resumed run sees the same batches."""

    def __init__(self, dataset, tokenizer, batch_size: int):
        from hooke.trainer import collator

        self.rows = dataset.remove_columns(
            [c for c in dataset.column_names if c not in ("input_ids", "attention_mask", "labels")]
        )
        self.collate = collator(tokenizer)
        self.batch_size = batch_size

    def batch(self, step: int):
        n = len(self.rows)
        start = step * self.batch_size
        return self.collate([self.rows[(start + i) % n] for i in range(self.batch_size)])
