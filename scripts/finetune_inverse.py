"""Path A and Path B fine-tuning of one slice pair (see hooke.inverse)."""

from hooke.inverse import finetune_pair
from hooke.script import entry, job_meta

params, inputs = snakemake.params, snakemake.input
with entry(snakemake, seed=int(snakemake.wildcards.seed), trains=True):
    finetune_pair(
        params.slices,
        {"k": inputs.responses_k, "l": inputs.responses_l},
        dict(snakemake.output.items()),
        params.train,
        job_meta(snakemake, params.train, "resistance"),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
