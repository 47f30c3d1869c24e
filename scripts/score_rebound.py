"""Setting II: score every checkpoint of one perturbation run (see hooke.rebound)."""

import os

from hooke.provenance import config_hash
from hooke.rebound import score_grid
from hooke.script import entry

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
with entry(snakemake, seed=int(w.seed)):
    meta = dict(
        setting="rebound",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        algorithm=w.algorithm,
        n=int(w.n),
        config_hash=config_hash(params.eval),
    )
    score_grid(
        params.base_dir,
        os.path.join(inputs.aligned, "model"),
        inputs.perturbed,
        inputs.prompts,
        inputs.scorer,
        snakemake.output.metrics,
        params.grid,
        params.eval,
        meta,
        w.direction,
        data={
            "pretrain": inputs.pretrain,
            "aligned": inputs.aligning,
            "perturbing": inputs.perturbing,
        },
        pretrain_tokens=params.pretrain_tokens,
        trust_remote_code=params.trust_remote_code,
    )
