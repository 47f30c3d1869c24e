"""Slice θk answers the held-out prompts (see hooke.harvest)."""

from hooke.harvest import harvest_responses
from hooke.script import entry

w, params = snakemake.wildcards, snakemake.params
with entry(snakemake, seed=int(w.seed)):
    harvest_responses(
        params.slice,
        snakemake.input.prompts,
        snakemake.output.responses,
        params.generation,
        seed=int(w.seed),
        slice_k=int(w.k),
        trust_remote_code=params.trust_remote_code,
        # read from the config, not a param: a check that changes no output re-runs nothing
        budget=snakemake.config["resistance"]["inverse"],
    )
