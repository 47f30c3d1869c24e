"""hooke.settings: what a Setting II job receives from the config, without Snakemake."""

from __future__ import annotations

import pytest
from conftest import ROOT, load_test_config

from hooke import settings
from hooke.config import fill_defaults


def _config():
    return fill_defaults(load_test_config(), ROOT / "config" / "schema.yaml")


def test_an_engine_perturbs_with_rebound_perturb_and_the_runs_draw():
    config = _config()
    assert settings.attack(config, "dpo") == {"algorithm": "dpo", "lora": None}
    train = settings.perturb_settings(config, "dpo")
    perturb = config["rebound"]["perturb"]
    assert train["learning_rate"] == perturb["learning_rate"]
    assert train["draw"] == config["rebound"].get("draw", "per_seed")


def test_the_controls_and_the_learning_rate_factors():
    config = _config()
    rate = config["rebound"]["perturb"]["learning_rate"]
    assert settings.attack(config, "distill_base") == {
        "algorithm": "distill",
        "lora": None,
        "teacher": "base",
    }
    faster = settings.attack(config, "distill_self-lr4x")
    assert faster["teacher"] == "self" and faster["learning_rate"] == pytest.approx(4 * rate)
    assert settings.perturb_settings(config, "sft-lr4x")["learning_rate"] == pytest.approx(4 * rate)
    assert settings.attack(config, "balanced") == {
        "algorithm": "sft",
        "lora": None,
        "pool": "balanced",
    }


def test_an_attack_of_the_benchmark_overrides_the_perturbation():
    config = _config()
    config["defences"] = {
        **config.get("defences", {}),
        "attacks": {"fast": {"algorithm": "sft", "learning_rate": 0.5, "lora": {"r": 4}}},
    }
    spec = settings.attack(config, "fast")
    assert spec == {"algorithm": "sft", "lora": {"r": 4}, "learning_rate": 0.5}
    assert settings.perturb_settings(config, "fast")["learning_rate"] == 0.5


def test_aligners_and_the_verdicts_view_of_the_design():
    config = _config()
    assert settings.aligner_spec(config, "sft") == "sft"
    config["rebound"]["plugins"] = {"mine": {"factory": "pkg:make", "params": {"a": 1}}}
    assert settings.aligner_spec(config, "mine") == {"factory": "pkg:make", "params": {"a": 1}}
    view = settings.verdict_params(config)
    assert view["rebound"] is True and view["aligner"] == config["rebound"]["aligners"][0]
    assert view["independent_sft"] == (
        bool(config["resistance"]["sft"].get("per_seed"))
        and len(config["resistance"]["seeds"]) >= 2
    )
