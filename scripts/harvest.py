"""Slice θk answers the held-out prompts (see hooke.generate)."""

import os

from hooke.generate import harvest
from hooke.script import entry

w = snakemake.wildcards
with entry(snakemake, seed=int(w.seed)):
    harvest(
        os.path.join(snakemake.input.sft, f"slice-{w.k}"),
        snakemake.input.prompts,
        snakemake.output.responses,
        snakemake.params.generation,
        seed=int(w.seed),
        slice_k=int(w.k),
        trust_remote_code=snakemake.params.trust_remote_code,
    )
