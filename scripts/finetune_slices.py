"""Positive SFT saved as slices θ1..θn (see hooke.sft)."""

from hooke.script import entry, job_meta
from hooke.sft import finetune_slices

params = snakemake.params
with entry(snakemake, seed=params.train.get("seed", 0), trains=True):
    finetune_slices(
        params.base_dir,
        snakemake.input.positive,
        snakemake.output.run,
        params.train,
        job_meta(snakemake, params.train, "resistance"),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
