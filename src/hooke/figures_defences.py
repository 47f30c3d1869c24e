"""The elasticity benchmark's figure (rule draw_defences): how many perturbing examples
each method takes to lose half of its alignment gain, per attack and at its worst, with CIs;
beside it, the utility each method keeps (bits per byte against the reference method)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hooke.figures import note

STAGE_COLOURS = alt.Scale(
    domain=["aligner", "alignment-stage defence", "fine-tuning-stage defence"],
    range=["#7f7f7f", "#1f77b4", "#2ca02c"],
)


def defences_speed(table: pd.DataFrame) -> alt.Chart:
    """Half-gain points (more is slower, better) with CI bars, a row per attack and the worst
    case; a censored CI (beyond the grid) is drawn to the plot's edge. On a grid too short for
    the curve model (no half-gain anywhere), the margin's fall by the grid's end instead."""
    if table.empty:
        return note("The benchmark has no runs.")
    fitted = table.half_gain.notna().any()
    data = table.dropna(subset=["half_gain" if fitted else "lost"]).copy()
    data["rank_text"] = data["rank"].map(lambda r: "—" if pd.isna(r) else f"#{int(r)}")
    order = list(dict.fromkeys(data.sort_values(["rank", "lost"]).method))
    y = alt.Y("method:N", sort=order, title=None)
    base = alt.Chart().encode(y=y, color=alt.Color("stage:N", scale=STAGE_COLOURS))
    tooltip = ["method", "stage", "attack", "worst_attack", "seeds", "rank_text", "tied_with"]
    if fitted:
        edge = float(np.nanmax(data[["half_gain", "ci_high"]].replace(np.inf, np.nan))) * 1.1
        data["ci_shown"] = data.ci_high.replace(np.inf, edge).fillna(data.half_gain)
        data["ci_low_shown"] = data.ci_low.fillna(data.half_gain)
        layers = [
            base.mark_rule(strokeWidth=2).encode(x="ci_low_shown:Q", x2="ci_shown:Q"),
            base.mark_point(filled=True, size=70).encode(
                x=alt.X("half_gain:Q", title="perturbing examples to lose half the alignment gain"),
                tooltip=[*tooltip, *_numbers("half_gain", "ci_low", "ci_high"), "ci_from"],
            ),
            base.mark_text(align="left", dx=6, dy=-8).encode(x="half_gain:Q", text="rank_text:N"),
        ]
        subtitle = (
            "ranks: 1 + methods whose CI lies wholly above; bars: 95% CI (over seeds, or the "
            "curve fit's with one seed)"
        )
    else:
        layers = [
            base.mark_point(filled=True, size=70).encode(
                x=alt.X(
                    "lost:Q", title="margin lost by the grid's end (bits per byte; less is better)"
                ),
                tooltip=[*tooltip, *_numbers("lost", "gain")],
            )
        ]
        subtitle = "too few grid points for the curve model (six needed): no half-gain, no rank"
    speed = (
        alt.layer(*layers, data=data)
        .properties(width=320, height=alt.Step(22))
        .facet(row=alt.Row("attack:N", title="attack", sort=list(dict.fromkeys(table.attack))))
    )
    utility = _utility(table.drop_duplicates("method"), order)
    return alt.hconcat(speed, utility).properties(
        title={
            "text": "Elasticity benchmark: slower rebound ranks higher; CIs that overlap tie",
            "subtitle": subtitle,
        }
    )


def _numbers(*fields: str) -> list:
    return [alt.Tooltip(f"{f}:Q", format=".4g") for f in fields]


def _utility(methods: pd.DataFrame, order: list[str]) -> alt.Chart:
    """The utility cost: bits per byte of each aligned model minus the reference method's,
    on held-out pre-training text and on held-out aligning-pole text."""
    long = methods.melt(
        id_vars=["method", "stage"],
        value_vars=["d_bpb_pretrain", "d_bpb_aligned"],
        var_name="text",
        value_name="d_bpb",
    )
    long["text"] = long.text.map(
        {"d_bpb_pretrain": "pre-training text", "d_bpb_aligned": "aligning-pole text"}
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("method:N", sort=order, title=None),
            x=alt.X("d_bpb:Q", title="Δ bits per byte vs the reference (+: cost)"),
            color=alt.Color("stage:N", scale=STAGE_COLOURS),
            row=alt.Row("text:N", title="utility kept"),
            tooltip=["method", "text", alt.Tooltip("d_bpb:Q", format=".4f")],
        )
        .properties(width=200, height=alt.Step(22))
    )
