"""hooke.grid: the jobs a config asks for, without Snakemake."""

from __future__ import annotations

from conftest import load_test_config

from hooke import grid
from hooke.config import fill_defaults


def _config(**rebound):
    from conftest import ROOT

    config = load_test_config()
    config["rebound"].update(rebound)
    return fill_defaults(config, ROOT / "config" / "schema.yaml")


def test_the_rebound_grid_holds_every_run_and_control_once():
    config = _config(seeds=[0, 1], controls=["base", "distill", "balanced"], lr_factors=[1, 4])
    runs = grid.rebound_grid(config)
    keys = [tuple(sorted(r.items())) for r in runs]
    assert len(keys) == len(set(keys))  # no run twice
    by_algorithm = {}
    for r in runs:
        by_algorithm.setdefault(r["algorithm"], set()).add(r["n"])
    assert by_algorithm["sft"] == by_algorithm["dpo"] == {0, 16, 32}
    assert by_algorithm["distill_base"] == by_algorithm["distill_self-lr4x"] == {0, 16, 32}
    assert by_algorithm["sft-lr4x"] == {0, 16, 32} and by_algorithm["balanced"] == {16, 32}
    assert "dpo-lr4x" not in by_algorithm  # the first algorithm only, at other factors
    assert len(runs) == 2 * (3 * 2 + 2 + 2 * 2 * 3 + 3)


def test_cells_of_setting_i_the_planted_controls_and_the_benchmark():
    config = _config(controls=["planted"])
    assert grid.resistance_grid(config) == [{"base": "micro-8k", "task": "imdb", "seed": 0}]
    assert grid.slice_pairs(config) == [(1, 2), (1, 3), (2, 3)]
    assert grid.planted_cells(config) == [{"base": "micro-8k", "task": "imdb", "seed": 0}]
    benchmark = grid.defence_grid(config)
    assert [(r["aligner"], r["algorithm"], r["n"]) for r in benchmark] == [("sft", "sft", 16)]
    assert grid.planted_cells(_config(controls=[])) == []


def test_the_first_arm_and_what_a_config_fetches():
    """The first direction and aligner, said once (the base control, the planted controls
    and the benchmark all run in it); the fetched tasks and the bases that are not
    pre-trained here, the benchmark's included."""
    config = _config(directions=["negative_first", "positive_first"], aligners=["dpo", "sft"])
    assert grid.first_arm(config) == {"direction": "negative_first", "aligner": "dpo"}
    assert grid.first_arm({"resistance": {}}) == {"direction": "positive_first", "aligner": "sft"}
    assert {r["direction"] for r in grid.defence_grid(config)} == {"negative_first"}
    assert grid.fetched(config) == (["imdb"], [])  # the test config pre-trains its bases
    config["bases"]["theirs"] = {"source": "hub", "repo": "x/y"}
    config["rebound"]["bases"].append("theirs")
    assert grid.fetched(config) == (["imdb"], ["theirs"])
