"""Fetch a hub base or copy a local model directory (see hooke.hub)."""

from hooke.hub import fetch_base
from hooke.script import entry

with entry(snakemake, uses_torch=False, online=True):
    print("base saved in", fetch_base(snakemake.params.spec, snakemake.output.model))
