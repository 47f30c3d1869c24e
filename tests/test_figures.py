"""Setting III figures drawn from small hand-made tables (saved as HTML and PNG)."""

from __future__ import annotations

import pandas as pd

from hooke.figures import axis_bases, axis_curves, elasticity_trend, save_chart
from hooke.figures_readouts import hooke_law

AXES = {  # three sizes at 800k tokens, three budgets of the middle size
    "s": (1e5, 8e5),
    "m": (4e5, 8e5),
    "l": (9e5, 8e5),
    "m-200k": (4e5, 2e5),
    "m-400k": (4e5, 4e5),
}


def _tables():
    curves, index, check = [], [], []
    for i, (base, (params, tokens)) in enumerate(AXES.items()):
        for aligned in (100, 200):
            for perturbed in (0, 50, 100):
                curves.append(
                    {
                        "base": base,
                        "task": "t",
                        "direction": "positive_first",
                        "aligner": "sft",
                        "algorithm": "sft",
                        "aligned": aligned,
                        "perturbed": perturbed,
                        "metric": "mean_p_positive",
                        "value": 0.7 - perturbed / 1000 - i / 100,
                    }
                )
            index.append(
                {
                    "base": base,
                    "task": "t",
                    "direction": "positive_first",
                    "aligner": "sft",
                    "algorithm": "sft",
                    "aligned": aligned,
                    "elasticity_index": 0.1 * i,
                    "params": params,
                    "tokens": tokens,
                }
            )
            check.append(
                {
                    "base": base,
                    "algorithm": "sft",
                    "aligned": aligned,
                    "ratio": -((tokens / aligned) ** 0.5),
                    "k": tokens / aligned,
                }
            )
    fit = pd.DataFrame([{"algorithm": "sft", "exponent": 0.5, "ci_low": 0.4, "ci_high": 0.6}])
    return pd.DataFrame(curves), pd.DataFrame(index), pd.DataFrame(check), fit


def test_axis_bases_pick_each_axis_in_order():
    _, index, _, _ = _tables()
    assert axis_bases(index, "params") == ["s", "m", "l"]
    assert axis_bases(index, "tokens") == ["m-200k", "m-400k", "m"]
    assert axis_bases(index[index.base.isin(["s", "m"])], "params") == []


def test_setting_iii_figures_are_drawn(tmp_path):
    curves, index, check, fit = _tables()
    charts = {
        "size": axis_curves(curves, index, "params"),
        "tokens": axis_curves(curves, index, "tokens"),
        "trend": elasticity_trend(index),
        "hooke": hooke_law(check, fit),
        "empty": axis_curves(curves, index[index.base == "s"], "params"),
    }
    for name, chart in charts.items():
        save_chart(chart, tmp_path / f"{name}.html", tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    spec = charts["size"].to_dict()
    assert spec["spec"]["layer" if "layer" in spec["spec"] else "mark"]
    assert "exponent 0.50 [0.40, 0.60]" in str(charts["hooke"].to_dict())


def test_margin_curves_and_compression_fit_are_drawn(tmp_path):
    """The readout figures from hand-made tables: the margin with its base control, the
    neural testbed with H6c's slope in the subtitle; empty tables give a note, not an
    error."""
    from hooke.figures_readouts import compression_law, rebound_margin

    margin = pd.DataFrame(
        [
            {
                "base": "m",
                "task": "t",
                "direction": "positive_first",
                "aligner": "sft",
                "algorithm": algorithm,
                "aligned": aligned,
                "control": aligned == 0,
                "perturbed": x,
                "margin": 0.1 * (aligned > 0) - x / 1000,
                "margin_se": 0.01,
                "margin_min": 0.0,
                "margin_max": 0.2,
                "seeds": 3,
            }
            for algorithm in ("sft", "dpo")
            for aligned in (0, 100, 200)
            for x in (0, 8, 64, 400)
        ]
    )
    law = pd.DataFrame(
        [
            {
                "seed": s,
                "k": k,
                "ratio": -k * (1 + s / 10),
                "delta_aligned": k,
                "delta_pretrain": -1,
            }
            for s in (0, 1)
            for k in (10, 100, 1000)
        ]
    )
    verdicts = pd.DataFrame(
        [
            {
                "hypothesis": "H6c",
                "estimate": 1.0,
                "ci_low": 0.9,
                "ci_high": 1.1,
                "verdict": "supported",
            }
        ]
    )
    drawn = compression_law(law, verdicts)
    assert "H6c slope 1.00 [0.90, 1.10]: supported" in str(drawn.to_dict()["title"])
    for name, chart in (("margin", rebound_margin(margin, 64)), ("law", drawn)):
        save_chart(chart, tmp_path / f"{name}.html", tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert "did not run" in str(compression_law(law.iloc[0:0], verdicts).to_dict())
    assert "margin readouts" in str(rebound_margin(margin.iloc[0:0]).to_dict())
