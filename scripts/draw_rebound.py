"""Draw the Setting II figures (see hooke.figures)."""

import pandas as pd

from hooke.figures import rebound_curves, save_chart
from hooke.figures_readouts import rebound_margin
from hooke.script import entry

inputs, out = snakemake.input, snakemake.output
with entry(snakemake, uses_torch=False):
    curves, reference = pd.read_csv(inputs.curves), pd.read_csv(inputs.reference)
    save_chart(
        rebound_curves(curves, reference, "mean_p_positive"),
        out.rebound_score_html,
        out.rebound_score_png,
    )
    save_chart(
        rebound_curves(curves, reference, "kl_to_base"), out.rebound_kl_html, out.rebound_kl_png
    )
    save_chart(
        rebound_margin(pd.read_csv(inputs.margin), snakemake.params.early_examples),
        out.margin_curves_html,
        out.margin_curves_png,
    )
