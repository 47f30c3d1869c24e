"""The terminal summary printed at the end of `make run`: headline numbers and where to look."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def _resistance(tables: Path) -> list[str]:
    lines = []
    per_seed, cells, signs = (
        tables / f"{name}.csv" for name in ("resistance", "resistance_cells", "resistance_signs")
    )
    if per_seed.is_file():
        frame = pd.read_csv(per_seed)
        lines.append(
            f"Setting I (resistance): inverse final loss below forward in "
            f"{int(frame['inverse_lower'].sum())} of {len(frame)} (seed, pair) runs"
        )
    if cells.is_file():
        for r in pd.read_csv(cells).itertuples():
            lines.append(
                f"  {r.base} {r.task} θ{r.slice_k}/θ{r.slice_l} ({r.seeds} seeds): final loss "
                f"forward {r.forward_final:.4f} inverse {r.inverse_final:.4f}; NLL gap "
                f"{r.gap_nll_end:+.4f} [{r.gap_nll_end_lo:+.4f}, {r.gap_nll_end_hi:+.4f}]; "
                f"excess-loss gap {r.gap_excess_end:+.4f} "
                f"[{r.gap_excess_end_lo:+.4f}, {r.gap_excess_end_hi:+.4f}]"
            )
    if signs.is_file():
        for r in pd.read_csv(signs).itertuples():
            lines.append(
                f"  {r.measure}: inverse better in {r.cells_inverse_better} of "
                f"{r.cells} cells (sign test p = {r.p_value:.3g})"
            )
    return lines


def _rebound(tables: Path) -> list[str]:
    lines = []
    slopes, tests, table3 = (
        tables / f"rebound_{name}.csv" for name in ("slopes", "rank_tests", "table3")
    )
    reference = tables / "rebound_reference.csv"
    if reference.is_file():
        for r in pd.read_csv(reference).itertuples():
            lines.append(
                f"Setting II (rebound): base {r.base} on {r.task} scores "
                f"{r.mean_p_positive:.3f} mean P(positive)"
            )
    if slopes.is_file():
        for r in pd.read_csv(slopes).itertuples():
            lines.append(
                f"  {r.base} {r.algorithm} after {r.aligned} aligning examples: score "
                f"{r.score_start:.3f} -> {r.score_end:.3f}; drop per 100 examples "
                f"early {r.early_drop_per_100:+.3f}, late {r.late_drop_per_100:+.3f}"
            )
    if tests.is_file():
        for r in pd.read_csv(tests).itertuples():
            lines.append(
                f"  {r.base} {r.algorithm}: more alignment -> steeper early drop? Spearman rho "
                f"{r.spearman_rho:+.2f} over {r.volumes} volumes "
                f"(one-sided p = {r.p_one_sided:.3g})"
            )
    if table3.is_file():
        frame = pd.read_csv(table3)
        lines.append(
            f"  Table 3: KL to base under epsilon reached in {int(frame.reached.sum())} "
            f"of {len(frame)} runs"
        )
    return lines


def _scaling(tables: Path) -> list[str]:
    """Setting III: the elasticity index per base, its trends, the Hooke's-law exponent."""
    lines = []
    index, trends, fit = (
        tables / f"{name}.csv" for name in ("elasticity", "elasticity_trends", "hooke_fit")
    )
    if index.is_file():
        frame = pd.read_csv(index)
        for (base, algorithm), runs in frame.groupby(["base", "algorithm"]):
            lines.append(
                f"Setting III: {base} ({runs.params.iloc[0]:,.0f} params, "
                f"{runs.tokens.iloc[0]:,.0f} tokens) {algorithm} elasticity index "
                f"{runs.elasticity_index.mean():+.4f} (mean of {len(runs)} volumes)"
            )
    if trends.is_file() and trends.stat().st_size > 1:
        for r in pd.read_csv(trends).query("aligned == 0").itertuples():
            lines.append(
                f"  index along {r.axis} ({r.bases}), {r.algorithm}: Spearman rho "
                f"{r.spearman_rho:+.2f} (one-sided p = {r.p_one_sided:.3g})"
            )
    if fit.is_file():
        for r in pd.read_csv(fit).itertuples():
            lines.append(
                f"  Hooke's law, {r.algorithm}: exponent {r.exponent:.2f} "
                f"[{r.ci_low:.2f}, {r.ci_high:.2f}] over {int(r.runs)} runs (theory 1), "
                f"opposite signs in {r.opposite_signs:.0%}"
            )
    return lines


def _worst_cases(tables: Path) -> pd.DataFrame:
    """The benchmark's worst-case rows (each method's slowest-to-fastest attack), if any."""
    path = tables / "defences.csv"
    if not path.is_file() or path.stat().st_size <= 1:
        return pd.DataFrame()
    return pd.read_csv(path).query("attack == 'worst case'")


def _defences(tables: Path) -> list[str]:
    """The benchmark: each method's worst case, ranked, with its CI and utility cost."""
    worst = _worst_cases(tables)
    if worst.empty:
        return []
    lines = ["Defences benchmark (worst case over attacks; half-gain point: more is slower):"]
    for r in worst.itertuples():
        rank = "—" if pd.isna(r.rank) else f"#{int(r.rank)}"
        lines.append(
            f"  {rank:>3} {r.method:<9} {r.half_gain:8.1f} [{r.ci_low:.1f}, {r.ci_high:.1f}] "
            f"under {r.worst_attack}; Δbpb pre-training {r.d_bpb_pretrain:+.4f}"
            + (f"; tied with {r.tied_with}" if isinstance(r.tied_with, str) else "")
        )
    return lines


def _verdicts(tables: Path) -> list[str]:
    """The verdict table, first: a line per hypothesis with its label, estimate, CI, MDE and
    SESOI, or what the design would need to test it."""
    from hooke.hypotheses import HYPOTHESES

    path = tables / "verdicts.csv"
    if not path.is_file() or path.stat().st_size <= 1:
        return []
    lines = [
        "Verdicts (95% CIs over the design's replicates, MDE at 80% power; the hypotheses and",
        "their smallest effects of interest: src/hooke/hypotheses.py; the powered design's",
        "confirmatory verdicts: docs/RESULTS.md):",
    ]
    for r in pd.read_csv(path).itertuples():
        name = HYPOTHESES[r.hypothesis[:2]].name
        head = f"  {r.hypothesis:<7} {name:<23} "
        if pd.isna(r.estimate):
            lines.append(head + r.verdict)
            continue
        lines.append(
            head + f"{r.verdict:<13} {r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] "
            f"MDE {r.mde:.3f} SESOI {r.sesoi:.3g}"
        )
    return lines


def _apparatus(tables: Path) -> list[str]:
    """The apparatus check, first: per control (and learning-rate factor), each check it
    must pass, with its outcome."""
    path = tables / "apparatus.csv"
    if not path.is_file() or path.stat().st_size <= 1:
        return []
    frame = pd.read_csv(path)
    checked = frame[frame.passed.notna()]
    passed = int(checked.passed.astype(bool).sum())
    lines = [f"Apparatus check (controls whose truth is known): {passed} of {len(checked)} passed"]
    for (control, factor), group in checked.groupby(["control", "lr_factor"], sort=False):
        marks = ", ".join(
            f"{r.check} {_short(r.verdict)} {'ok' if bool(r.passed) else 'FAILED'}"
            for r in group.itertuples()
        )
        lines.append(f"  {control}{'' if factor == 1 else f' x{factor:g}'}: {marks}")
    return lines


def _short(verdict: str) -> str:
    return "not testable" if verdict.startswith("not testable") else verdict


def _defences_line(tables: Path) -> list[str]:
    """The benchmark in one line: the methods in rank order, each at its worst case."""
    worst = _worst_cases(tables)
    if worst.empty:
        return []
    ranked = ", ".join(
        f"{'—' if pd.isna(r.rank) else '#' + str(int(r.rank))} {r.method}"
        for r in worst.sort_values("rank").itertuples()
    )
    return [f"Defences (slowest rebound first, worst case over attacks): {ranked}"]


def summarise(results: Path, full: bool = False) -> str:
    """What `make run` prints at its end: the verdicts, the benchmark's ranking and where to
    look (`full`: every setting's headline numbers too)."""
    tables, figures = results / "tables", results / "figures"
    lines = _apparatus(tables) + _verdicts(tables) + [""]
    if full:
        lines += _resistance(tables) + _rebound(tables) + _scaling(tables) + _defences(tables)
        scorer = tables / "scorer.csv"
        if scorer.is_file():
            for row in pd.read_csv(scorer).itertuples():
                lines.append(
                    f"Scorer for {row.task}: held-out accuracy {row.heldout_accuracy:.3f} "
                    f"on {row.heldout_size} reviews"
                )
    else:
        lines += _defences_line(tables)
    from hooke.leakage import warnings

    lines += [f"Warning: {line}" for line in warnings(results)]
    lines.append(f"Tables:  {tables}/")
    lines.append(f"Figures: {figures}/")
    if (results / "report.html").is_file():
        lines.append(f"Report:  {results / 'report.html'}")
    if not full:
        lines.append(f"Every setting's numbers: python -m hooke.summary {results} --full")
    return "\n".join(lines)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--full"]
    print(summarise(Path(args[0] if args else "results"), full="--full" in sys.argv))
