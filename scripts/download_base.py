"""Fetch a hub base, copy a local model directory, or convert a GGUF file (see hooke.hub,
hooke.gguf)."""

from hooke.gguf import fetch_gguf
from hooke.hub import fetch_base
from hooke.script import entry

spec, out = snakemake.params.spec, snakemake.output.model
gguf = spec["source"] == "gguf"
with entry(snakemake, uses_torch=gguf, online=True):
    saved = fetch_gguf(spec, snakemake.wildcards.base, out) if gguf else fetch_base(spec, out)
    print("base saved in", saved)
