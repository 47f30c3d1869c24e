"""Positive SFT saved as slices θ1..θn (see hooke.sft)."""

from hooke.script import entry, job_meta
from hooke.sft import finetune_slices

params = snakemake.params
train = {**params.train, "seed": int(snakemake.wildcards.seed)}  # the run's data-order seed
with entry(snakemake, seed=train["seed"], trains=True):
    finetune_slices(
        params.base_dir,
        snakemake.input.positive,
        snakemake.output.run,
        train,
        job_meta(snakemake, train, "resistance"),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
