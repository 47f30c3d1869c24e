"""Positive SFT saved as slices θ1..θn (see hooke.train.sft_slices)."""

from hooke.provenance import config_hash
from hooke.script import entry
from hooke.train import sft_slices

params = snakemake.params
with entry(snakemake, seed=params.train.get("seed", 0), trains=True):
    meta = dict(
        setting="resistance",
        base=snakemake.wildcards.base,
        task=snakemake.wildcards.task,
        config_hash=config_hash(params.train),
    )
    sft_slices(
        params.base_dir,
        snakemake.input.positive,
        snakemake.output.run,
        params.train,
        meta,
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
