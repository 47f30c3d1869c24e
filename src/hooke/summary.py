"""The terminal summary printed at the end of `make run`: headline numbers and where to look."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def _elasticity(frame: pd.DataFrame) -> pd.DataFrame:
    """Setting III's index per base and algorithm: the mean over its volumes."""
    grouped = frame.groupby(["base", "algorithm"])
    return grouped.agg(
        params=("params", "first"),
        tokens=("tokens", "first"),
        index=("elasticity_index", "mean"),
        volumes=("elasticity_index", "size"),
    ).reset_index()


# Every setting's headline numbers (`--full`), a table at a time, in this order: (table, how
# its rows are prepared, or None; a line for the whole table over `n`, its rows, and the sums
# of its columns as `<column>_sum`, or None; a line per row over its columns, or None).
FULL = (
    (
        "resistance",
        None,
        "Setting I (resistance): inverse final loss below forward in {inverse_lower_sum} of {n}"
        " (seed, pair) runs",
        None,
    ),
    (
        "resistance_cells",
        None,
        None,
        "  {base} {task} θ{slice_k}/θ{slice_l} ({seeds} seeds): final loss forward "
        "{forward_final:.4f} inverse {inverse_final:.4f}; NLL gap {gap_nll_end:+.4f} "
        "[{gap_nll_end_lo:+.4f}, {gap_nll_end_hi:+.4f}]; excess-loss gap {gap_excess_end:+.4f} "
        "[{gap_excess_end_lo:+.4f}, {gap_excess_end_hi:+.4f}]",
    ),
    (
        "resistance_signs",
        None,
        None,
        "  {measure}: inverse better in {cells_inverse_better} of {cells} cells (sign test "
        "p = {p_value:.3g})",
    ),
    (
        "rebound_reference",
        None,
        None,
        "Setting II (rebound): base {base} on {task} scores {mean_p_positive:.3f} mean P(positive)",
    ),
    (
        "rebound_slopes",
        None,
        None,
        "  {base} {algorithm} after {aligned} aligning examples: score {score_start:.3f} -> "
        "{score_end:.3f}; drop per 100 examples early {early_drop_per_100:+.3f}, late "
        "{late_drop_per_100:+.3f}",
    ),
    (
        "rebound_rank_tests",
        None,
        None,
        "  {base} {algorithm}: more alignment -> steeper early drop? Spearman rho "
        "{spearman_rho:+.2f} over {volumes} volumes (one-sided p = {p_one_sided:.3g})",
    ),
    (
        "rebound_table3",
        None,
        "  Table 3: KL to base under epsilon reached in {reached_sum} of {n} runs",
        None,
    ),
    (
        "elasticity",
        _elasticity,
        None,
        "Setting III: {base} ({params:,.0f} params, {tokens:,.0f} tokens) {algorithm} "
        "elasticity index {index:+.4f} (mean of {volumes} volumes)",
    ),
    (
        "elasticity_trends",
        lambda frame: frame.query("aligned == 0"),
        None,
        "  index along {axis} ({bases}), {algorithm}: Spearman rho {spearman_rho:+.2f} "
        "(one-sided p = {p_one_sided:.3g})",
    ),
    (
        "hooke_fit",
        lambda frame: frame.assign(runs=frame.runs.astype(int)),
        None,
        "  Hooke's law, {algorithm}: exponent {exponent:.2f} [{ci_low:.2f}, {ci_high:.2f}] "
        "over {runs} runs (theory 1), opposite signs in {opposite_signs:.0%}",
    ),
)


def _settings(tables: Path) -> list[str]:
    """The `--full` lines of every table of FULL that the run wrote."""
    lines = []
    for name, prepare, whole, per_row in FULL:
        path = tables / f"{name}.csv"
        if not path.is_file() or path.stat().st_size <= 1:
            continue
        frame = pd.read_csv(path)
        frame = prepare(frame) if prepare else frame
        if whole:
            sums = {
                f"{c}_sum": int(frame[c].sum()) for c in frame.select_dtypes(["number", "bool"])
            }
            lines.append(whole.format(n=len(frame), **sums))
        if per_row:
            lines += [per_row.format(**row) for row in frame.to_dict("records")]
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
        lines += _settings(tables) + _defences(tables)
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
