"""An example aligner plugin (see src/hooke/aligners.py for the interface): SFT with an L2-SP
pull toward the starting weights (Li et al., 2018), loss + weight * ||theta - theta_0||^2.
Named in a config as

    rebound:
      aligners: [sft, anchored]
      plugins: {anchored: {factory: "anchored_sft:factory", params: {anchor_weight: 10.0}}}

with this folder on the jobs' PYTHONPATH."""

from __future__ import annotations

from transformers import Trainer

from hooke.defences.guards import anchored
from hooke.trainer import checkpointing, collator, completion_dataset, training_arguments


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
    # hooke's own L2-SP trainer (the anchor defence's): a plugin may build on hooke's pieces
    return anchored(Trainer, params["anchor_weight"])(
        model=model,
        args=args,
        train_dataset=data,
        data_collator=collator(tokenizer),
        callbacks=callbacks,
    )


def not_a_trainer(**_):
    return "a string"
