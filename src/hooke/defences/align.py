"""The alignment step of an alignment-stage defence (Vaccine, RepNoise, Booster): its trainer
on the aligning pole, the opposite pole as the harmful data. Apart from hooke.defences, which
the Snakefile and every job read, because this reaches torch and transformers."""

from __future__ import annotations

from typing import Any


def align_with_defence(aligner, model, tokenizer, aligning, opposite, params, out, seed, callbacks):
    """Align `model` on the `aligning` frame with an alignment-stage defence; the `opposite`
    pole is the harmful data Booster and RepNoise see. The recipe is plain SFT's
    (hooke.trainer.finetune: same batches, learning rate, epochs) but for the defence.
    Returns the loss records."""
    from hooke.trainer import completion_dataset, finetune

    name, settings = aligner["defence"], aligner["params"]
    data = completion_dataset(
        aligning.prompt.tolist(), aligning.response.tolist(), tokenizer, params["max_length"]
    )
    extra: dict[str, Any]
    if name == "vaccine":
        from hooke.defences.vaccine import VaccineTrainer as trainer_class

        extra = {"rho": settings["rho"]}
    else:
        from hooke.defences.streams import HarmfulStream

        harmful = HarmfulStream(
            completion_dataset(
                opposite.prompt.tolist(),
                opposite.response.tolist(),
                tokenizer,
                params["max_length"],
            ),
            tokenizer,
            params["batch_size"],
        )
        if name == "booster":
            from hooke.defences.booster import BoosterTrainer as trainer_class

            extra = {"harmful": harmful, "lamb": settings["lamb"], "alpha": settings["alpha"]}
        else:
            from hooke.defences.repnoise import RepNoiseTrainer as trainer_class

            extra = {"harmful": harmful, "alpha": settings["alpha"], "beta": settings["beta"]}
    return finetune(
        model,
        tokenizer,
        data,
        params,
        out,
        callbacks,
        seed,
        epochs=params["epochs"],
        resumable=True,
        trainer_class=trainer_class,
        **extra,
    )
