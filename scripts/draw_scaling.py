"""Draw the Setting III figures (see hooke.figures)."""

import pandas as pd

from hooke.figures import axis_curves, elasticity_trend, save_chart
from hooke.figures_readouts import hooke_law
from hooke.script import entry

inputs, out = snakemake.input, snakemake.output
with entry(snakemake, uses_torch=False):
    curves, index = pd.read_csv(inputs.curves), pd.read_csv(inputs.elasticity)
    check, fit = pd.read_csv(inputs.hooke_check), pd.read_csv(inputs.hooke_fit)
    save_chart(axis_curves(curves, index, "params"), out.rebound_size_html, out.rebound_size_png)
    save_chart(
        axis_curves(curves, index, "tokens"), out.rebound_tokens_html, out.rebound_tokens_png
    )
    save_chart(elasticity_trend(index), out.elasticity_trend_html, out.elasticity_trend_png)
    save_chart(hooke_law(check, fit), out.hooke_law_html, out.hooke_law_png)
