"""Setting II: align a base on n examples of one pole (see hooke.rebound.align)."""

from hooke.provenance import config_hash
from hooke.rebound import align
from hooke.script import entry

w, params = snakemake.wildcards, snakemake.params
with entry(snakemake, seed=int(w.seed), trains=True):
    meta = dict(
        setting="rebound",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        direction=w.direction,
        config_hash=config_hash(params.train),
    )
    align(
        params.base_dir,
        snakemake.input.pool,
        int(w.n),
        snakemake.output.run,
        params.train,
        meta,
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
