"""The verdict table: every hypothesis of hooke.hypotheses measured on this run — its
dimensionless effect (hooke.effects) per replication unit, combined by the design's own
structure (hooke.stats), with estimate, CI, one-sided p, minimal detectable effect and one
of the labels of hooke.hypotheses — or `not testable here (needs ...)` where the design lacks
what the hypothesis needs. Beside it: each run's two stages (hooke.stages) and the
sensitivity of H2, H3 and H8 to the stage boundary. Reads run-level tables only; never
imports torch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hooke import effects
from hooke.effects import RUN, UNIT, like_for_like
from hooke.hypotheses import (
    DESCRIPTIVE,
    DESCRIPTIVE_PARTS,
    EQUIVALENCE_PARTS,
    HYPOTHESES,
    combine,
    equivalence,
    label,
    not_testable,
)
from hooke.stages import BOUNDARIES, run_stages
from hooke.stats import Inference, cluster_mean, crossed_mean, family_slopes, replicated_mean

STATS = ("estimate", "ci_low", "ci_high", "p_one_sided", "mde", "se", "df", "units")


class Judge:
    """Turns an Inference into a verdict row at the config's alpha and power."""

    def __init__(self, alpha: float = 0.05, power: float = 0.8):
        self.alpha, self.power = alpha, power

    def _head(self, key: str, part: str) -> dict[str, Any]:
        h = HYPOTHESES[key]
        return {
            "hypothesis": key + part,
            "claim": h.claim,
            "measure": h.measure,
            "unit": h.unit,
            "sesoi": h.sesoi,
        }

    def row(self, key: str, part: str, inference: Inference, note: str = "") -> dict[str, Any]:
        h = HYPOTHESES[key]
        stats = inference.summary(self.alpha, self.power)
        descriptive = h.descriptive or key + part in DESCRIPTIVE_PARTS
        low, high = stats["ci_low"], stats["ci_high"]
        if descriptive:
            verdict = DESCRIPTIVE
        elif key + part in EQUIVALENCE_PARTS:
            verdict = equivalence(low, high, EQUIVALENCE_PARTS[key + part], h.sesoi)
        else:
            verdict = label(low, high, h.sesoi)
        return {**self._head(key, part), **stats, "verdict": verdict, "note": note}

    def untestable(self, key: str, part: str = "", note: str = "") -> dict[str, Any]:
        """A row for a hypothesis this design cannot test, saying what it needs."""
        stats = dict.fromkeys(STATS, math.nan)
        verdict = not_testable(HYPOTHESES[key].needs)
        return {**self._head(key, part), **stats, "verdict": verdict, "note": note}


def replicated(units: pd.DataFrame) -> bool:
    """Whether per-seed units can be replicated: >= 3 bases, or >= 2 seeds within a base."""
    units = units.dropna(subset=["effect"])
    if units.base.nunique() >= 3:
        return True
    return bool(len(units) and units.groupby("base").seed.nunique().max() >= 2)


def unit_row(judge: Judge, key: str, part: str, units: pd.DataFrame, what: str) -> dict:
    """The row of a hypothesis measured per seed within base (H2, H3, H7, H8)."""
    units = units.dropna(subset=["effect"])
    if not replicated(units):
        return judge.untestable(key, part, f"{len(units)} {what}")
    inference, design = replicated_mean(units.effect, units.base)
    return judge.row(key, part, inference, f"{len(units)} {what}; {design}")


def h1(judge: Judge, closure: pd.DataFrame, independent: bool) -> list[dict[str, Any]]:
    """The crossed seeds x held-back prompts mean of the closure gap; a sanity note of how
    many paths training closed; not testable without independent SFT runs, or where
    training closed the KL in fewer than half of the paths."""
    if closure.empty:
        return []
    gaps, sanity = effects.closure_gaps(closure)
    table = gaps.pivot(index="seed", columns="prompt_index", values="gap").dropna(axis=1)
    closed = f"training closed the KL in {sanity['closed']} of {sanity['paths']} paths"
    note = f"{table.shape[0]} seeds x {table.shape[1]} held-back prompts; {closed}"
    if not independent or table.shape[0] < 2 or 2 * sanity["closed"] < sanity["paths"]:
        return [judge.untestable("H1", "", note)]
    return [judge.row("H1", "", crossed_mean(table.to_numpy()), note)]


def rebound_rows(
    judge: Judge, stages: pd.DataFrame, axes: pd.DataFrame, control: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """H2, H3, H4, H5, H7 and H8 from the runs' stages (primary boundary)."""
    like = like_for_like(stages)
    rows = [unit_row(judge, "H2", "", effects.unit_contrasts(like), "seeds")]
    if like.aligned.nunique() >= 3:
        rows.append(unit_row(judge, "H3", "", effects.volume_slopes(like), "seeds"))
    else:
        note = f"{like.aligned.nunique()} volumes"
        rows.append(judge.untestable("H3", "", note))
    for key, axis, held in (("H4", "params", "tokens"), ("H5", "tokens", "params")):
        found = effects.axis_slope(like, axes, axis, held) if len(axes) else None
        if found is None:
            rows.append(judge.untestable(key, "", f"{stages.base.nunique()} bases"))
            continue
        bases, estimate, se = found
        inference = Inference(estimate, se, len(bases) - 2, len(bases))
        rows.append(judge.row(key, "", inference, "bases: " + ", ".join(bases.base)))
    parts = [
        unit_row(judge, "H7", f":{a}", effects.unit_contrasts(mine), "seeds")
        for a, mine in stages.groupby("algorithm", sort=True)
    ]
    overall = {**parts[0], **dict.fromkeys(STATS, math.nan), "hypothesis": "H7"}
    overall.update(verdict=combine([r["verdict"] for r in parts]), note="all algorithms")
    rows += [*parts, overall]
    if control is None or control.empty:
        rows.append(judge.untestable("H8", "", "no base control runs"))
    else:
        contrasts = effects.control_contrasts(stages, control)
        rows.append(unit_row(judge, "H8", "", contrasts, "(base, algorithm, seed) pairs"))
    return rows


def h2_score(judge: Judge, runs: pd.DataFrame, reference: pd.DataFrame, fixed: float):
    """H2 on the paper's own readout, secondary: the sampled task score (mean P of the
    aligning pole) at the sampled grid points, its stages split where it reaches the base's
    score. Sampling noise included; the primary H2 reads the likelihood margin."""
    scored = runs.dropna(subset=["mean_p_positive"])
    if scored.empty or reference.empty or scored.perturbed.nunique() < 4:
        return []
    scored = scored.merge(
        reference[["base", "task", "mean_p_positive"]], on=["base", "task"], suffixes=("", "_base")
    )
    sign = np.where(scored.direction == "positive_first", 1.0, -1.0)
    scored = scored.assign(
        value=sign * scored.mean_p_positive, reference=sign * scored.mean_p_positive_base
    )
    stages = run_stages(scored, RUN, "base_level", fixed, None)
    units = effects.unit_contrasts(like_for_like(stages))
    row = unit_row(judge, "H2", ":score", units, "seeds")
    row["note"] += f"; sampled at {scored.perturbed.nunique()} grid points (secondary readout)"
    return [row]


def h6(judge: Judge, check: pd.DataFrame) -> list[dict[str, Any]]:
    """check: per run (and seed) delta_aligned, delta_pretrain, k (descriptive on IMDb)."""
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
    """The neural testbed (hooke.compression_law): H6c, per seed the slope of ln|dR_a/dR_p|
    on ln k across its k, seeds the replicates, judged against the theory's 1; H6d, the
    share of cells with opposite signs per seed, minus one half."""
    law = law.dropna(subset=["d_aligned", "d_pretrain", "k"])
    if law.empty:
        return []
    if law.seed.nunique() < 3:  # fewer than 3 replicates is not a test
        note = f"{law.seed.nunique()} seed(s) of the neural testbed"
        return [judge.untestable("H6", part, note) for part in ("c", "d")]
    opposite = (law.d_aligned * law.d_pretrain < 0).astype(float)
    ours = int((law.d_aligned > 0).mul(law.d_pretrain < 0).sum())
    grad = f"gradient norms <= {law.grad_worst.max():.1e}" if "grad_worst" in law else ""
    cells = f"{law.seed.nunique()} seeds x {law.k.nunique()} k"
    usable = law[(law.d_aligned != 0) & (law.d_pretrain != 0)]
    logged = usable.assign(
        log_k=np.log(usable.k.astype(float)),
        log_ratio=np.log(np.abs(usable.d_aligned / usable.d_pretrain)),
    )
    inference, slopes = family_slopes(logged, "log_k", "log_ratio", ["seed"], "seed")
    note = f"neural testbed, {cells}; {grad}; theory: slope 1"
    signs = (
        f"{int(opposite.sum())} of {len(law)} cells with opposite signs, {ours} with the "
        "theorem's (D_a worse, D_p better)"
    )
    return [
        judge.row("H6", "c", inference, note),
        judge.row("H6", "d", cluster_mean(opposite - 0.5, law.seed), signs),
    ]


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


SENSITIVITY = ["boundary", "lr_factor", "hypothesis", "estimate", "ci_low", "ci_high", "verdict"]


def sensitivity(
    judge: Judge, runs: pd.DataFrame, control, fits: pd.DataFrame, fixed: float
) -> pd.DataFrame:
    """H2, H3 and H8 under each stage boundary of hooke.stages (the primary first), with
    `flips`: whether the label differs from the primary boundary's."""
    rows = []
    for rule in BOUNDARIES:
        stages = run_stages(runs, RUN, rule, fixed, fits)
        for row in rebound_rows(judge, stages, pd.DataFrame(), control):
            if row["hypothesis"] in ("H2", "H3", "H8"):
                rows.append({**row, "boundary": rule, "lr_factor": 1.0})
    table = pd.DataFrame(rows, columns=SENSITIVITY)
    primary = table[table.boundary == BOUNDARIES[0]].set_index("hypothesis").verdict
    return table.assign(flips=table.verdict != table.hypothesis.map(primary))


def verdict_table(
    closure: pd.DataFrame,
    runs: pd.DataFrame,
    axes: pd.DataFrame,
    params: Mapping[str, Any],
    controls: pd.DataFrame | None = None,
    law: pd.DataFrame | None = None,
    fits: pd.DataFrame | None = None,
    score_reference: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The verdicts (one row per hypothesis and part), each run's stages and the boundary
    sensitivity. `closure`: Setting I's held-back per-prompt KL before and after training;
    `runs`: Setting II readouts per run, seed and grid point (value: the margin; reference:
    the base's margin toward the aligning pole; bpb and sizes); `axes`: each base's size and
    tokens; `controls`: the base control's readouts, like `runs`; `law`: the compression
    law's synthetic runs; `fits`: the runs' curve fits (the fitted boundary)."""
    judge = Judge(params.get("alpha", 0.05), params.get("power", 0.8))
    rows = h1(judge, closure, bool(params.get("independent_sft")))
    stages = pd.DataFrame()
    table = pd.DataFrame()
    if len(runs):
        fixed = params["early_examples"]
        stages = run_stages(runs, RUN, "base_level", fixed, fits)
        rows += rebound_rows(judge, stages, axes, controls)
        if score_reference is not None:
            rows += h2_score(judge, runs, score_reference, fixed)
        rows += h6(judge, hooke_runs(runs))
        table = sensitivity(judge, runs, controls, fits, fixed)
    if law is not None:
        rows += h6c(judge, law)
    return {"verdicts": pd.DataFrame(rows), "rebound_stages": stages, "verdict_sensitivity": table}


def margin_runs(con, setting: str = "rebound") -> pd.DataFrame:
    """Setting II's readouts per run, seed and grid point of `setting`, with `value` (the
    margin) and `reference`: the base's margin, signed toward the run's aligning pole."""
    from hooke.aggregate import run_sql

    runs = run_sql(con, "rebound_runs", {"setting": setting})
    reference = run_sql(con, "rebound_base_margin")
    runs = runs.merge(reference, on=["base", "task", "seed"], how="left")
    sign = np.where(runs.direction == "positive_first", 1.0, -1.0)
    runs["reference"] = sign * runs.pop("margin_positive")  # toward the aligning pole
    return runs


__all__ = ["UNIT", "Judge", "hooke_runs", "margin_runs", "verdict_table"]
