"""Altair figures drawn from the aggregate tables, saved as self-contained HTML (Vega inlined:
no internet needed to open it) and as PNG (vl-convert, no browser)."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from hooke.atomic import atomic_file

PATH_COLOURS = alt.Scale(domain=["forward", "inverse"], range=["#d62728", "#1f77b4"])


def resistance_curves(curves: pd.DataFrame) -> alt.Chart:
    """Training loss per step of Path A (forward) and Path B (inverse), one panel per pair,
    with the seeds' range as a band."""
    data = curves.assign(
        pair=curves["slice_k"].map("θ{}".format) + " / " + curves["slice_l"].map("θ{}".format)
    )
    base = alt.Chart(data).encode(
        x=alt.X("step:Q", title="inverse fine-tuning step"),
        color=alt.Color("path:N", scale=PATH_COLOURS, title="path"),
    )
    band = base.mark_area(opacity=0.2).encode(y="loss_min:Q", y2="loss_max:Q")
    line = base.mark_line().encode(
        y=alt.Y("loss:Q", title="training loss (mean over seeds)", scale=alt.Scale(zero=False)),
        tooltip=[
            "base",
            "task",
            "pair",
            "path",
            "step",
            alt.Tooltip("loss:Q", format=".4f"),
            "seeds",
        ],
    )
    return (
        (band + line)
        .properties(width=220, height=180)
        .facet(
            column=alt.Column("pair:N", title="slice pair (earlier / later)"),
            row=alt.Row("base:N", title="base model"),
        )
        .properties(title="Setting I: forward (θk on D_l) vs inverse (θl on D_k) fine-tuning loss")
    )


GAP_LABELS = {
    "gap_kl_end": "KL to target on held-back responses (primary)",
    "gap_heldout_excess_end": "excess loss on held-back responses",
    "gap_final": "final training loss (paper)",
    "gap_nll_end": "NLL of training responses after training",
    "gap_excess_end": "excess loss over the generator after training",
    "gap_reduction": "loss reduction (inverse - forward)",
}


def resistance_gaps(cells: pd.DataFrame) -> alt.Chart:
    """Forward - inverse gap per slice pair, by measure, with 95% CIs (crossed seeds x
    prompts); above zero the inverse path fits better, as the paper claims."""
    rows = []
    for cell in cells.itertuples():
        pair = f"θ{cell.slice_k} / θ{cell.slice_l}"
        for gap, label in GAP_LABELS.items():
            lo, hi = getattr(cell, f"{gap}_lo", None), getattr(cell, f"{gap}_hi", None)
            rows.append(
                {
                    "base": cell.base,
                    "task": cell.task,
                    "pair": pair,
                    "measure": label,
                    "gap": getattr(cell, gap),
                    "lo": lo,
                    "hi": hi,
                    "seeds": cell.seeds,
                }
            )
    data = pd.DataFrame(rows)
    base = alt.Chart(data).encode(
        x=alt.X("pair:N", title="slice pair (earlier / later)"),
        xOffset="measure:N",
        color=alt.Color(
            "measure:N", title="measure (forward − inverse)", legend=alt.Legend(labelLimit=0)
        ),  # 0: never truncate a label
    )
    points = base.mark_point(filled=True, size=60).encode(
        y=alt.Y("gap:Q", title="forward − inverse (> 0: inverse fits better)"),
        tooltip=[
            "base",
            "task",
            "pair",
            "measure",
            alt.Tooltip("gap:Q", format=".4f"),
            alt.Tooltip("lo:Q", format=".4f"),
            alt.Tooltip("hi:Q", format=".4f"),
            "seeds",
        ],
    )
    bars = base.mark_rule().encode(y="lo:Q", y2="hi:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return (
        (bars + points + zero)
        .properties(width=320, height=220)
        .facet(
            row=alt.Row("base:N", title="base model"),
            column=alt.Column("task:N", title="task"),
        )
        .properties(title="Setting I: is inverse alignment easier than forward? (95% CIs)")
    )


REBOUND_METRICS = {
    "mean_p_positive": "mean P(positive) of responses",
    "kl_to_base": "KL to the base model (nats per token)",
}


def rebound_curves(curves: pd.DataFrame, reference: pd.DataFrame, metric: str) -> alt.Chart:
    """The paper's Fig. 4: a score along the perturbation grid, one line per aligning volume
    (band: range over seeds), one panel per algorithm; dashed: the base model."""
    data = with_labels(curves[curves.metric == metric])
    colour = alt.Color("aligned:O", title="aligning examples", scale=alt.Scale(scheme="viridis"))
    base = alt.Chart().encode(
        x=alt.X("perturbed:Q", title="perturbing examples seen"), color=colour
    )
    band = base.mark_area(opacity=0.15).encode(y="value_min:Q", y2="value_max:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=REBOUND_METRICS[metric], scale=alt.Scale(zero=False)),
        tooltip=[
            "base",
            "task",
            "direction",
            "algorithm",
            "aligned",
            "perturbed",
            alt.Tooltip("value:Q", format=".4f"),
            "seeds",
        ],
    )
    layers = [band, line]
    if metric in reference.columns and not reference.empty:
        runs = data[["base", "task", "run"]].drop_duplicates()
        ref = reference.merge(runs, on=["base", "task"])  # a base's line in each of its panels
        layers.append(
            alt.Chart(ref)
            .mark_rule(strokeDash=[4, 4], color="grey")
            .encode(
                y=f"{metric}:Q", tooltip=["base", "task", alt.Tooltip(f"{metric}:Q", format=".4f")]
            )
        )
    title = (
        "Setting II: rebound under perturbation"
        if metric != "kl_to_base"
        else ("Setting II: distance to the base model under perturbation")
    )
    return run_panels(layers, data).properties(title=title)


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """`run` (base · task) and `method` (the perturbation algorithm) panel labels; with
    several aligners (rebound.aligners), each names its aligner too."""
    several = "aligner" in frame and frame.aligner.nunique() > 1
    run = frame.base + " · " + frame.task
    method = frame.algorithm
    if several:
        run, method = run + " · " + frame.aligner, frame.aligner + " → " + frame.algorithm
    return frame.assign(run=run, method=method)


def run_panels(layers: list, data: pd.DataFrame) -> alt.FacetChart:
    """Rebound layers in a panel per algorithm (columns) and base · task (rows: `run`)."""
    return (
        alt.layer(*layers, data=data)
        .properties(width=260, height=200)
        .facet(
            column=alt.Column("algorithm:N", title="perturbation algorithm"),
            row=alt.Row("run:N", title="base · task"),
        )
    )


def note(text: str) -> alt.Chart:
    """A chart that only says why there is nothing to draw."""
    return alt.Chart(pd.DataFrame({"text": [text]})).mark_text(size=14).encode(text="text:N")


def axis_bases(index: pd.DataFrame, axis: str) -> list[str]:
    """The bases of the longest run of Setting III's `axis` (params or tokens): those sharing
    the other tag, ordered along the axis; empty when no group has three."""
    held = "tokens" if axis == "params" else "params"
    axes = index[["base", "params", "tokens"]].drop_duplicates().dropna(subset=[axis])
    best: list[str] = []
    for _, group in axes.groupby(held, dropna=False):
        if group[axis].nunique() >= 3 and len(group) > len(best):
            best = group.sort_values(axis).base.tolist()
    return best


def axis_curves(curves: pd.DataFrame, index: pd.DataFrame, axis: str) -> alt.Chart:
    """The paper's Figs. 5 and 6: the task score under perturbation, one panel per model size
    (`params`) or pre-training budget (`tokens`), one line per aligning volume."""
    bases = axis_bases(index, axis)
    label = "parameters" if axis == "params" else "pre-training tokens"
    if not bases:
        return note(f"No three bases along {label} in this config (Setting III needs them).")
    tags = index[["base", "params", "tokens"]].drop_duplicates()
    data = curves[(curves.metric == "mean_p_positive") & curves.base.isin(bases)].merge(
        tags, on="base"
    )
    shared = set.intersection(*(set(data[data.base == b].algorithm) for b in bases))
    data = data[data.algorithm.isin(shared)]  # the algorithms every base on the axis ran
    data = with_labels(data)
    data = data.assign(panel=data.base + " (" + data[axis].map(lambda v: f"{v:,.0f}") + ")")
    order = [p for b in bases for p in data.panel.unique() if p.startswith(b + " (")]
    line = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("perturbed:Q", title="perturbing examples seen"),
            y=alt.Y("value:Q", title="mean P(positive)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "aligned:O", title="aligning examples", scale=alt.Scale(scheme="viridis")
            ),
            tooltip=[
                "base",
                "task",
                "algorithm",
                "aligned",
                "perturbed",
                alt.Tooltip("value:Q", format=".4f"),
            ],
        )
        .properties(width=220, height=180)
    )
    return line.facet(
        column=alt.Column("panel:N", title=f"base ({label})", sort=order),
        row=alt.Row("method:N", title="perturbation"),
    ).properties(title=f"Setting III: rebound along {label}")


def elasticity_trend(index: pd.DataFrame) -> alt.Chart:
    """The elasticity index (early minus late drop per 100 perturbing examples) of each base
    along both axes of Setting III, one line per aligning volume."""
    panels = []
    for axis, label in (("params", "parameters"), ("tokens", "pre-training tokens")):
        data = index[index.base.isin(axis_bases(index, axis))]
        if data.empty:
            panels.append(note(f"No three bases along {label}."))
            continue
        panels.append(
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=alt.X(f"{axis}:Q", title=label, scale=alt.Scale(type="log")),
                y=alt.Y(
                    "elasticity_index:Q", title="elasticity index (drop per 100, early - late)"
                ),
                color=alt.Color(
                    "aligned:O", title="aligning examples", scale=alt.Scale(scheme="viridis")
                ),
                strokeDash=alt.StrokeDash("algorithm:N", title="perturbation"),
                tooltip=[
                    "base",
                    "algorithm",
                    "aligned",
                    alt.Tooltip("elasticity_index:Q", format=".4f"),
                ],
            )
            .properties(width=300, height=220, title=f"along {label}")
        )
    return alt.hconcat(*panels).properties(title="Setting III: elasticity index by size and data")


def save_chart(chart: alt.Chart, html_path: str | Path, png_path: str | Path) -> None:
    """Write a chart as offline HTML and as PNG, each atomically."""
    with atomic_file(html_path) as tmp:
        chart.save(str(tmp), format="html", inline=True)
    with atomic_file(png_path) as tmp:
        chart.save(str(tmp), format="png", scale_factor=2)
