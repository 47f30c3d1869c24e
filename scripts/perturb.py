"""Setting II: perturb an aligned model, a checkpoint per grid point (see hooke.rebound)."""

import os

from hooke.provenance import config_hash
from hooke.rebound import perturb
from hooke.script import entry

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
with entry(snakemake, seed=int(w.seed), trains=True):
    meta = dict(
        setting="rebound",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        direction=w.direction,
        config_hash=config_hash(params.train),
    )
    perturb(
        os.path.join(inputs.aligned, "model"),
        inputs.pool,
        inputs.opposite,
        snakemake.output.run,
        w.algorithm,
        params.grid,
        params.train,
        meta,
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
        scorer_dir=inputs.get("scorer") or None,
    )
