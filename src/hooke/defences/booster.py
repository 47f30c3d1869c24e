"""Booster (Huang et al., 2024, "Booster: Tackling Harmful Fine-tuning for Large Language
Models via Attenuating Harmful Perturbation"): align while penalising how much one simulated
harmful step would lower the harmful loss h. The objective is

    f(w) + lamb * (h(w) - h(w - alpha * grad h(w) / ||grad h(w)||))

with the normalised harmful gradient held fixed, so its gradient is

    grad f(w) + lamb * (grad h(w) - grad h(w'))    at w' = w - alpha * grad h(w) / ||grad h(w)||

(three gradients per step: the alignment batch's and the harmful batch's at w and at w').
lamb (the regulariser's intensity) and alpha (the simulated step's size) are the paper's
names; its defaults 5 and 0.1. lamb = 0 is plain SFT. The harmful batch is the opposite
pole's, one per optimizer step (hooke.defences.streams.HarmfulStream)."""

from __future__ import annotations

from transformers import Trainer


class BoosterTrainer(Trainer):
    def __init__(self, *args, harmful, lamb: float, alpha: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.harmful, self.lamb, self.alpha = harmful, lamb, alpha
        self._penalised_step = -1

    def harmful_drop(self, model, batch) -> tuple[list, float]:
        """(grad h(w) - grad h(w'), h(w) - h(w')) for the harmful `batch`; the weights end
        where they began."""
        import torch

        params = [p for p in model.parameters() if p.requires_grad]
        with self.compute_loss_context_manager():
            before = self.compute_loss(model, batch)
        grads = torch.autograd.grad(before, params)
        norm = torch.sqrt(sum(g.pow(2).sum() for g in grads)) + 1e-12
        steps = [self.alpha * g / norm for g in grads]
        with torch.no_grad():
            for p, s in zip(params, steps, strict=True):
                p.sub_(s)
        try:
            with self.compute_loss_context_manager():
                after = self.compute_loss(model, batch)
            moved = torch.autograd.grad(after, params)
        finally:
            with torch.no_grad():
                for p, s in zip(params, steps, strict=True):
                    p.add_(s)
        diff = [g - m for g, m in zip(grads, moved, strict=True)]
        return diff, float(before.detach() - after.detach())

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        # once per optimizer step (the first micro-batch when gradients are accumulated)
        if not self.lamb or self.state.global_step == self._penalised_step:
            return loss
        self._penalised_step = self.state.global_step
        model.train()
        batch = self._prepare_inputs(self.harmful.batch(self.state.global_step))
        diff, _ = self.harmful_drop(model, batch)
        params = [p for p in model.parameters() if p.requires_grad]
        for p, d in zip(params, diff, strict=True):
            if p.grad is None:
                p.grad = self.lamb * d
            else:
                p.grad.add_(d, alpha=self.lamb)
        return loss
