"""Draw the compression law's neural testbed (see hooke.figures_readouts)."""

import pandas as pd

from hooke.figures import save_chart
from hooke.figures_readouts import compression_law
from hooke.script import entry

inputs, out = snakemake.input, snakemake.output
with entry(snakemake, uses_torch=False):
    chart = compression_law(pd.read_csv(inputs.law), pd.read_csv(inputs.verdicts))
    save_chart(chart, out.compression_fit_html, out.compression_fit_png)
