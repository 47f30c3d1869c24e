"""Path A / Path B fine-tuning of one slice pair (see hooke.inverse)."""

from hooke.inverse import finetune_inverse
from hooke.script import entry, job_meta

params = snakemake.params
with entry(snakemake, seed=int(snakemake.wildcards.seed), trains=True):
    finetune_inverse(
        params.trainee,
        params.generator,
        snakemake.input.responses,
        dict(snakemake.output.items()),
        params.train,
        job_meta(snakemake, params.train, "resistance"),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
