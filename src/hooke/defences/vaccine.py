"""Vaccine (Huang, Hu & Liu, 2024, "Vaccine: Perturbation-aware Alignment for Large Language
Models against Harmful Fine-tuning"): align under the worst small drift of the hidden
embeddings, so that the aligned model's embeddings withstand the drift a harmful fine-tuning
later causes. Per batch, two passes:

1. a plain forward and backward to the hidden states h_l of every decoder layer: the drift
   that raises the alignment loss most, eps_l = rho * grad_l / ||(grad_1, ..., grad_L)||;
2. the forward again with each layer's output shifted by eps_l, and its gradient is the
   update (the weights are not moved by the first pass).

rho (the paper's perturbation intensity; its default 2) sets the drift's size; rho = 0 is
plain SFT."""

from __future__ import annotations

from transformers import Trainer

from hooke.defences.streams import decoder_layers, hidden_of, with_hidden


class VaccineTrainer(Trainer):
    def __init__(self, *args, rho: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.rho = rho

    def drift(self, model, inputs) -> list:
        """The perturbation eps_l of every decoder layer for this batch (first pass)."""
        import torch

        hidden = []

        def keep(module, args, output):
            hidden.append(hidden_of(output))

        handles = [layer.register_forward_hook(keep) for layer in decoder_layers(model)]
        try:
            with self.compute_loss_context_manager():
                loss = self.compute_loss(model, inputs)
        finally:
            for handle in handles:
                handle.remove()
        grads = torch.autograd.grad(loss, hidden, allow_unused=True)
        grads = [
            torch.zeros_like(h) if g is None else g.detach()
            for h, g in zip(hidden, grads, strict=True)
        ]
        norm = torch.sqrt(sum(g.pow(2).sum() for g in grads)) + 1e-12
        return [self.rho * g / norm for g in grads]

    def training_step(self, model, inputs, num_items_in_batch=None):
        if not self.rho:
            return super().training_step(model, inputs, num_items_in_batch)
        model.train()
        inputs = self._prepare_inputs(inputs)
        eps = self.drift(model, inputs)

        def shifted(index):
            def hook(module, args, output):
                return with_hidden(output, hidden_of(output) + eps[index])

            return hook

        layers = decoder_layers(model)
        handles = [layer.register_forward_hook(shifted(i)) for i, layer in enumerate(layers)]
        try:
            return super().training_step(model, inputs, num_items_in_batch)
        finally:
            for handle in handles:
                handle.remove()
