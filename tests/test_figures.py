"""Setting III figures drawn from small hand-made tables (saved as HTML and PNG)."""

from __future__ import annotations

import pandas as pd

from hooke.figures import axis_bases, axis_curves, elasticity_trend, hooke_law, save_chart

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
