"""Figures of the likelihood readouts behind the verdicts: the compression rates' changes
against k (the Hooke's-law check of the rebound runs, H6b; the neural testbed, H6c) and
the margin along the rebound grid (Setting II's primary readout, with the base control).
Altair, saved by hooke.figures.save_chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hooke.figures import note, run_panels, with_labels


def ratio_against_k(data: pd.DataFrame, y_title: str, colour, tooltip: list) -> alt.Chart:
    """|ratio| against k on log-log axes, shape by the signs of the two changes (ratio < 0:
    opposite, as the theory says), with the theory's slope-1 line dashed through the data's
    geometric mean. `data` holds k and ratio (rows with both, ratio non-zero)."""
    data = data.assign(
        abs_ratio=data.ratio.abs(), signs=np.where(data.ratio < 0, "opposite (theory)", "same")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=60)
        .encode(
            x=alt.X("k:Q", title="k = |D_p| / |D_a|", scale=alt.Scale(type="log")),
            y=alt.Y("abs_ratio:Q", title=y_title, scale=alt.Scale(type="log")),
            color=colour,
            shape=alt.Shape("signs:N", title="signs of the two changes"),
            tooltip=tooltip,
        )
    )
    if len(data) < 2:
        return points
    centre_x, centre_y = np.exp(np.log(data.k).mean()), np.exp(np.log(data.abs_ratio).mean())
    xs = np.array([data.k.min(), data.k.max()])
    theory = pd.DataFrame({"k": xs, "abs_ratio": centre_y * xs / centre_x})
    line = alt.Chart(theory).mark_line(strokeDash=[4, 4], color="grey")
    return alt.layer(points, line.encode(x="k:Q", y="abs_ratio:Q"))


def hooke_law(check: pd.DataFrame, fit: pd.DataFrame) -> alt.Chart:
    """|delta on D_a / delta on D_p| against k = |D_p| / |D_a| (log-log), per algorithm, with
    the theory's slope-1 line through the data's geometric mean and the fitted exponent."""
    data = check.dropna(subset=["ratio", "k"])
    data = data[data.ratio != 0]
    if data.empty:
        return note("No run has both compression changes: nothing to check.")
    tooltip = [
        "base",
        "algorithm",
        "aligned",
        alt.Tooltip("ratio:Q", format=".3f"),
        alt.Tooltip("k:Q", format=".1f"),
    ]
    chart = ratio_against_k(
        data,
        "|Δ bits/byte on D_a / Δ on D_p|",
        alt.Color("algorithm:N", title="perturbation"),
        tooltip,
    )
    fitted = "; ".join(
        f"{r.algorithm}: exponent {r.exponent:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
        for r in fit.itertuples()
        if np.isfinite(r.exponent)
    )
    return chart.properties(
        width=420,
        height=300,
        title={
            "text": "Hooke's law check: theory predicts slope 1 (dashed) and opposite signs",
            "subtitle": fitted or "too few runs to fit an exponent",
        },
    )


def rebound_margin(margin: pd.DataFrame, early_examples: int | None = None) -> alt.Chart:
    """The margin along the grid, one line per aligning volume (band: ± one standard error
    over seeds), the base control (aligned 0) dashed in black; one panel per algorithm and
    base. The x axis is a square-root scale, so the dense early grid and the long tail both
    show; a rule marks the end of the early stage."""
    if margin.empty:
        return note("No rebound run has margin readouts.")
    data = with_labels(margin).assign(
        low=lambda f: f.margin - f.margin_se.fillna(0),
        high=lambda f: f.margin + f.margin_se.fillna(0),
        kind=lambda f: np.where(f.control, "base control", "aligned"),
    )
    x = alt.X("perturbed:Q", title="perturbing examples seen", scale=alt.Scale(type="sqrt"))
    colour = alt.Color("aligned:O", title="aligning examples", scale=alt.Scale(scheme="viridis"))
    aligned = alt.Chart().transform_filter("!datum.control").encode(x=x, color=colour)
    control = alt.Chart().transform_filter("datum.control").encode(x=x)
    y = alt.Y("margin:Q", title="likelihood margin (bits/byte)", scale=alt.Scale(zero=False))
    tooltip = ["base", "algorithm", "aligned", "perturbed", alt.Tooltip("margin:Q", format=".4f")]
    layers = [
        aligned.mark_area(opacity=0.15).encode(y="low:Q", y2="high:Q"),
        aligned.mark_line(point=True).encode(y=y, tooltip=[*tooltip, "seeds"]),
        control.mark_line(strokeDash=[5, 3], color="black").encode(y=y, tooltip=tooltip),
    ]
    if early_examples:
        layers.append(
            alt.Chart(pd.DataFrame({"perturbed": [early_examples]}))
            .mark_rule(color="grey", strokeDash=[2, 2])
            .encode(x="perturbed:Q")
        )
    return (
        run_panels(layers, data)
        .resolve_scale(y="independent")
        .properties(
            title={
                "text": "Setting II: the likelihood margin under perturbation",
                "subtitle": "dashed black: the base control (never aligned); band: ± 1 SE "
                "over seeds; grey rule: end of the early stage",
            }
        )
    )


def compression_law(law: pd.DataFrame, verdicts: pd.DataFrame) -> alt.Chart:
    """The neural testbed: |dR_a / dR_p| against k on log-log axes, one colour per seed,
    shape by the signs of the two changes, the theory's slope 1 dashed through the data's
    geometric mean, H6c's fitted slope in the subtitle."""
    data = law.dropna(subset=["ratio", "k"])
    data = data[data.ratio != 0]
    if data.empty:
        return note("The compression law's testbed did not run (compression_law.seeds).")
    tooltip = ["seed", alt.Tooltip("k:Q", format=".0f"), alt.Tooltip("ratio:Q", format=".3f")]
    chart = ratio_against_k(
        data, "|dR_a / dR_p| at the mixture's optimum", alt.Color("seed:N", title="seed"), tooltip
    )
    row = verdicts[verdicts.hypothesis == "H6c"]
    subtitle = "too few runs to fit a slope"
    if len(row) and np.isfinite(row.estimate.iloc[0]):
        r = row.iloc[0]
        subtitle = f"H6c slope {r.estimate:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]: {r.verdict}"
    return chart.properties(
        width=420,
        height=300,
        title={
            "text": "The compression law in a neural testbed: theory predicts slope 1 (dashed)",
            "subtitle": subtitle,
        },
    )


def theorem_law(cells: pd.DataFrame) -> alt.Chart:
    """The exact check of the compression theorem (hooke.theorem): |dR_a/dl / dR_p/dl|
    against k on log-log axes, a panel per code (the entropy bound, Huffman's), colour by the
    tree's depth, with the theory's slope-1 line."""
    data = cells[np.isfinite(cells.ratio) & (cells.ratio != 0)].assign(
        tree=lambda f: "depth " + f.depth.astype(str)
    )
    panels = []
    for code, mine in data.groupby("code", sort=True):
        chart = ratio_against_k(
            mine,
            "|dR_a / dR_p| at small D_t share",
            alt.Color("tree:N", title="tree"),
            ["code", "depth", "alpha", "seed", "k", "ratio", "theorem_signs"],
        )
        panels.append(chart.properties(title=f"{code} code", width=260, height=220))
    if not panels:
        return note("no cell has both changes non-zero")
    return alt.hconcat(*panels)
