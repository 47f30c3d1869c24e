"""An example aligner plugin (see src/hooke/aligners.py for the interface): SFT with an L2-SP
pull toward the starting weights (Li et al., 2018), loss + weight * ||theta - theta_0||^2.
Named in a config as

    rebound:
      aligners: [sft, anchored]
      plugins: {anchored: {factory: "anchored_sft:factory", params: {anchor_weight: 10.0}}}

with this folder on the jobs' PYTHONPATH."""

from __future__ import annotations

from transformers import Trainer

from hooke.trainer import checkpointing, collator, completion_dataset, training_arguments


class AnchoredTrainer(Trainer):
    def __init__(self, *args, anchor_weight: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.anchor_weight = anchor_weight
        self.anchor = {
            name: p.detach().clone() for name, p in self.model.named_parameters() if p.requires_grad
        }

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        loss, outputs = super().compute_loss(model, inputs, return_outputs=True, **kwargs)
        penalty = sum(
            ((p - self.anchor[name]) ** 2).sum()
            for name, p in model.named_parameters()
            if name in self.anchor
        )
        loss = loss + self.anchor_weight * penalty
        return (loss, outputs) if return_outputs else loss


def factory(*, model, tokenizer, aligning, opposite, params, output_dir, seed, callbacks):
    data = completion_dataset(
        aligning.prompt.tolist(), aligning.response.tolist(), tokenizer, params["max_length"]
    )
    args = training_arguments(
        output_dir,
        per_device_train_batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        num_train_epochs=params["epochs"],
        lr_scheduler_type="constant",
        seed=seed,
        data_seed=seed,
        **checkpointing(),
    )
    return AnchoredTrainer(
        model=model,
        args=args,
        train_dataset=data,
        data_collator=collator(tokenizer),
        callbacks=callbacks,
        anchor_weight=params["anchor_weight"],
    )


def not_a_trainer(**_):
    return "a string"
