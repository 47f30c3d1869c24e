"""The verdict table: every hypothesis of hooke.hypotheses measured on this run, with its
estimate, CI, one-sided p, minimal detectable effect (from this run's own variance) and
verdict. Reads run-level tables only; never imports torch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hooke.hypotheses import HYPOTHESES, combine, verdict
from hooke.metrics import REBOUND_CONTROL
from hooke.stats import Inference, cluster_mean, crossed_mean, family_slopes, slope

RUN = ["base", "task", "direction", "aligner", "algorithm", "aligned", "seed"]
FAMILY = ["base", "task", "direction", "aligner", "algorithm"]
STATS = ("estimate", "ci_low", "ci_high", "p_one_sided", "mde", "se", "df", "units")


def run_falls(runs: pd.DataFrame, early_examples: int) -> pd.DataFrame:
    """Per rebound run (one seed), the fall of the readout `value` per 100 perturbing
    examples up to `early_examples` (early) and from there on (late): least-squares slopes,
    sign flipped; `index` = early - late (0 for a straight line)."""
    rows = []
    for key, run in runs.groupby(RUN, dropna=False, sort=True):
        x, y = run.perturbed.to_numpy(float), run.value.to_numpy(float)
        early = -100 * slope(x[x <= early_examples], y[x <= early_examples])
        late = -100 * slope(x[x >= early_examples], y[x >= early_examples])
        rows.append(
            {
                **dict(zip(RUN, key, strict=True)),
                "early_fall": early,
                "late_fall": late,
                "index": early - late,
            }
        )
    return pd.DataFrame(rows, columns=[*RUN, "early_fall", "late_fall", "index"])


class Judge:
    """Turns an Inference into a verdict row at the config's alpha and power."""

    def __init__(self, alpha: float = 0.05, power: float = 0.8):
        self.alpha, self.power = alpha, power

    def row(self, key: str, part: str, inference: Inference, note: str = "") -> dict[str, Any]:
        h = HYPOTHESES[key]
        stats = inference.summary(self.alpha, self.power)
        return {
            "hypothesis": key + part,
            "claim": h.claim,
            "measure": h.measure,
            "unit": h.unit,
            **stats,
            "sesoi": h.sesoi,
            "verdict": verdict(stats["ci_low"], stats["ci_high"], h.sesoi),
            "note": note,
        }


def h1(judge: Judge, gaps: pd.DataFrame) -> list[dict[str, Any]]:
    """gaps: seed, prompt_index, gap_kl_end (forward - inverse held-back KL after training),
    a row per pair; pairs share slices, so they are averaged within (seed, prompt)."""
    if gaps.empty:
        return []
    table = gaps.groupby(["seed", "prompt_index"]).gap_kl_end.mean().unstack("prompt_index")
    table = table.dropna(axis=1)
    note = f"{table.shape[0]} seeds x {table.shape[1]} held-back prompts"
    return [judge.row("H1", "", crossed_mean(table.to_numpy()), note)]


def like_for_like(falls: pd.DataFrame) -> pd.DataFrame:
    """The runs of one direction and algorithm that every base ran (the main setting,
    positive_first SFT, when all have it), so that bases are compared like for like."""
    kinds = [set(zip(g.direction, g.algorithm, strict=True)) for _, g in falls.groupby("base")]
    shared = set.intersection(*kinds) if kinds else set()
    if not shared:
        return falls.iloc[0:0]
    direction, algorithm = min(shared, key=lambda k: (k[0] != "positive_first", k[1] != "sft", k))
    return falls[(falls.direction == direction) & (falls.algorithm == algorithm)]


def h2_h3_h7(judge: Judge, falls: pd.DataFrame) -> list[dict[str, Any]]:
    like = like_for_like(falls)
    rows = [
        judge.row(
            "H2",
            "",
            cluster_mean(like["index"], like.base),
            f"{len(like)} runs, {like.base.nunique()} bases",
        )
    ]
    logged = falls.assign(log_n=np.log(falls.aligned.astype(float)))
    inference, slopes = family_slopes(logged, "log_n", "early_fall", FAMILY, "base")
    note = f"{len(slopes)} families over {falls.aligned.nunique()} volumes"
    rows.append(judge.row("H3", "", inference, note))
    parts = [
        judge.row("H7", f":{a}", cluster_mean(mine["index"], mine.base), f"{len(mine)} runs")
        for a, mine in falls.groupby("algorithm", sort=True)
    ]
    overall = {**parts[0], **{k: math.nan for k in STATS}, "hypothesis": "H7"}
    overall.update(verdict=combine([r["verdict"] for r in parts]), note="all algorithms")
    return rows + parts + [overall]


def h4_h5(judge: Judge, falls: pd.DataFrame, axes: pd.DataFrame) -> list[dict[str, Any]]:
    """Each base's mean early fall against ln(size) at equal tokens (H4) and ln(tokens) at
    equal size (H5): an OLS slope across bases, t with bases - 2 degrees of freedom."""
    from scipy.stats import linregress

    rows = []
    per_base = like_for_like(falls).groupby("base").early_fall.mean().rename("fall")
    frame = per_base.reset_index().merge(axes, on="base", how="inner")
    for key, axis, held in (("H4", "params", "tokens"), ("H5", "tokens", "params")):
        groups = [g for _, g in frame.dropna(subset=[axis]).groupby(held, dropna=False)]
        groups = [g for g in groups if g[axis].nunique() >= 3]
        if not groups:
            continue
        best = max(groups, key=len)
        fit = linregress(np.log(best[axis].astype(float)), best.fall)
        inference = Inference(float(fit.slope), float(fit.stderr), len(best) - 2, len(best))
        note = "bases: " + ", ".join(best.sort_values(axis).base)
        rows.append(judge.row(key, "", inference, note))
    return rows


def h6(judge: Judge, check: pd.DataFrame) -> list[dict[str, Any]]:
    """check: per run (and seed) delta_aligned, delta_pretrain, k."""
    check = check.dropna(subset=["delta_aligned", "delta_pretrain", "k"])
    check = check[(check.delta_aligned != 0) & (check.delta_pretrain != 0) & (check.k > 0)]
    if check.empty:
        return []
    opposite = -np.sign(check.delta_aligned * check.delta_pretrain)
    note = f"{int((opposite > 0).sum())} of {len(check)} runs with opposite signs"
    rows = [judge.row("H6", "a", cluster_mean(opposite / 2, check.base), note)]
    logged = check.assign(
        log_k=np.log(check.k),
        log_ratio=np.log(np.abs(check.delta_aligned / check.delta_pretrain)),
    )
    inference, _ = family_slopes(logged, "log_k", "log_ratio", ["base"], "base")
    rows.append(judge.row("H6", "b", inference, "theory: slope 1"))
    return rows


def h6c(judge: Judge, law: pd.DataFrame) -> list[dict[str, Any]]:
    """The synthetic testbed (hooke.compression_law): per seed, the slope of ln|dA / dP| on
    ln k across its runs; seeds are the replicates."""
    law = law.dropna(subset=["delta_aligned", "delta_pretrain", "k"])
    law = law[(law.delta_aligned != 0) & (law.delta_pretrain != 0)]
    if law.empty:
        return []
    logged = law.assign(
        log_k=np.log(law.k.astype(float)),
        log_ratio=np.log(np.abs(law.delta_aligned / law.delta_pretrain)),
    )
    inference, slopes = family_slopes(logged, "log_k", "log_ratio", ["seed"], "seed")
    opposite = int((law.delta_aligned * law.delta_pretrain < 0).sum())
    note = (
        f"synthetic languages, {len(slopes)} seeds x {law.k.nunique()} k; {opposite} of "
        f"{len(law)} runs with opposite signs; theory: slope 1"
    )
    return [judge.row("H6", "c", inference, note)]


def h8(judge: Judge, falls: pd.DataFrame, controls: pd.DataFrame) -> list[dict[str, Any]]:
    """Aligned runs' early fall (mean over volumes) minus the base control's, matched on
    base, task, direction, algorithm and seed; clustered by base."""
    if controls.empty or falls.empty:
        return []
    keys = [*FAMILY, "seed"]
    aligned = falls.groupby(keys, dropna=False).early_fall.mean().rename("aligned_fall")
    base = controls.groupby(keys, dropna=False).early_fall.mean().rename("control_fall")
    pairs = pd.concat([aligned, base], axis=1, join="inner").reset_index()
    if pairs.empty:
        return []
    excess = pairs.aligned_fall - pairs.control_fall
    note = f"{len(pairs)} (base, algorithm, seed) pairs; control fall {base.mean():+.4f}"
    return [judge.row("H8", "", cluster_mean(excess, pairs.base), note)]


def hooke_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Per run (and seed): the change of bits per byte on held-out D_a and D_p from the
    aligned model to the last grid point, and k = |D_p| / |D_a| in tokens."""
    rows = []
    for key, run in runs.groupby(RUN, dropna=False, sort=True):
        run = run.sort_values("perturbed")
        first, last = run.iloc[0], run.iloc[-1]
        rows.append(
            {
                **dict(zip(RUN, key, strict=True)),
                "delta_aligned": last.bpb_aligned - first.bpb_aligned,
                "delta_pretrain": last.bpb_pretrain - first.bpb_pretrain,
                "k": first.pretrain_tokens / first.aligned_tokens,
            }
        )
    return pd.DataFrame(rows, columns=[*RUN, "delta_aligned", "delta_pretrain", "k"])


def verdict_table(
    gaps: pd.DataFrame,
    runs: pd.DataFrame,
    axes: pd.DataFrame,
    params: Mapping[str, Any],
    controls: pd.DataFrame | None = None,
    law: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per hypothesis (and part): measured effect, CI, p, MDE, SESOI, verdict.
    `gaps`: Setting I's held-back per-prompt gaps; `runs`: Setting II readouts per run, seed
    and grid point (margin, bpb, sizes); `axes`: each base's size and tokens; `controls`:
    the base control's readouts, like `runs`; `law`: the compression law's synthetic runs.
    Hypotheses whose data the config does not produce have no row."""
    judge = Judge(params.get("alpha", 0.05), params.get("power", 0.8))
    rows = h1(judge, gaps)
    if len(runs):
        early = params["early_examples"]
        falls = run_falls(runs.rename(columns={"margin": "value"}), early)
        rows += h2_h3_h7(judge, falls)
        rows += h4_h5(judge, falls, axes)
        rows += h6(judge, hooke_runs(runs))
        if controls is not None and len(controls):
            rows += h8(judge, falls, run_falls(controls.rename(columns={"margin": "value"}), early))
    if law is not None:
        rows += h6c(judge, law)
    return pd.DataFrame(rows)


def margin_runs(con) -> pd.DataFrame:
    """Setting II's readouts per run, seed and grid point, with `reference`: the base's
    margin, signed toward the run's aligning pole (the curve model's floor)."""
    from hooke.aggregate import run_sql

    runs = run_sql(con, "rebound_runs", {"setting": "rebound"})
    reference = run_sql(con, "rebound_base_margin")
    runs = runs.merge(reference, on=["base", "task"], how="left")
    sign = np.where(runs.direction == "positive_first", 1.0, -1.0)
    runs["reference"] = sign * runs.pop("margin_positive")  # toward the aligning pole
    return runs


def judge(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The verdict table, the rebound curve fits and the compression law's synthetic runs from
    the `metrics` and `examples` views of `con` (Setting II parts only where the config has
    them: `params["rebound"]`)."""
    from hooke.aggregate import run_sql
    from hooke.curves import fit_curves

    gaps, law = run_sql(con, "resistance_heldout_gaps"), run_sql(con, "compression_law")
    runs, axes, fits, controls = (pd.DataFrame() for _ in range(4))
    if params["rebound"]:
        runs = margin_runs(con)
        controls = run_sql(con, "rebound_runs", {"setting": REBOUND_CONTROL})
        axes = run_sql(con, "rebound_axes")
        fits = fit_curves(runs.rename(columns={"margin": "value"}), RUN, params.get("seed", 0))
    if len(runs):  # the hypotheses are about the first aligner (the reference method)
        runs = runs[runs.aligner == params.get("aligner", "sft")]
    table = verdict_table(gaps, runs, axes, params, controls, law)
    return {"verdicts": table, "rebound_fits": fits, "compression_law": law}
