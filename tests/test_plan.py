"""hooke.plan, hooke.costs and hooke.job_costs: the bill of a config, from Snakemake's own
job list and the config's sizes."""

from __future__ import annotations

import pytest
from conftest import ROOT, TEST_CONFIG, load_test_config

from hooke.config import fill_defaults
from hooke.costs import ADAM_BYTES, job_memory_mb, peak_disk, plan
from hooke.job_costs import TOKENS_PER_WORD, job_cost
from hooke.plan import main, planned_jobs

SCHEMA = ROOT / "config" / "schema.yaml"


def _config():
    return fill_defaults(load_test_config(), SCHEMA)


def test_jobs_are_snakemakes_own(tmp_path):
    jobs = planned_jobs(TEST_CONFIG, tmp_path)
    rules = [rule for rule, _ in jobs]
    assert rules.count("finetune_perturbed") == 6 and rules.count("finetune_inverse") == 3
    perturbed = [w for rule, w in jobs if rule == "finetune_perturbed"]
    assert {(w["n"], w["algorithm"]) for w in perturbed} == {
        ("0", "sft"),  # the base control
        ("0", "dpo"),
        ("16", "sft"),
        ("16", "dpo"),
        ("32", "sft"),
        ("32", "dpo"),
    }
    assert rules.count("fit_compression_law") == 3  # a job per seed


def test_costs_follow_the_config_by_hand():
    config = _config()
    n = 1000
    w = {"base": "micro-8k", "task": "imdb", "n": "32", "algorithm": "dpo", "seed": "0"}
    tokens = min(32, (6 + 12) * TOKENS_PER_WORD)  # words of the cut, capped at max_length
    aligned = job_cost(config, "finetune_aligned", w, n)
    assert aligned["flops"] == pytest.approx(6 * n * 32 * 1 * tokens) and aligned["models"] == 1
    perturbed = job_cost(config, "finetune_perturbed", w, n)
    # DPO: a chosen and a rejected row per example, each forward + backward + reference;
    # own_samples: first, the model answers each of the 16 prompts (6 words) itself
    own = 2 * n * 16 * 6 * TOKENS_PER_WORD
    # the readouts of grid [0, 8, 16], sampled at each (sample_at null): held-out texts of
    # D_p, D_a, D_t (8 each, cut to 32 tokens), 8 prompts answered with up to 8 tokens,
    # which the policy and the base read again (the KL to the base)
    prompts, generated = 8 * 6 * TOKENS_PER_WORD, 8 * 8
    read = 2 * n * (3 * 8 * 32 * 3 + (prompts + 2 * (prompts + generated)) * 3)
    assert perturbed["flops"] == pytest.approx(2 * n * 2 * 4 * 16 * tokens + own + read)
    # max_completion_length 8 per own sample; the grid's samples
    assert perturbed["decode"] == pytest.approx(2 * n * 16 * 8 + 2 * n * generated * 3)
    assert perturbed["models"] == 0  # no checkpoint saved
    assert job_cost(config, "score_rebound", w, n)["flops"] == 0  # grades text only
    config["rebound"]["keep_checkpoints"] = True
    assert job_cost(config, "finetune_perturbed", w, n)["models"] == 2
    # the planted controls: per volume (16, 32) and for the base control a calibration of
    # points + 2 steps, the base's margin, then the distinct planted models of grid [0, 8, 16]
    config.setdefault("controls", {})["planted"] = {"points": 5}
    readouts = 3 * 7 + 1 + 2 * (3 * 2 + 1) + 2 + 1
    planted = job_cost(config, "plant_rebound", {"base": "micro-8k", "task": "imdb"}, n)
    assert planted["flops"] == pytest.approx(2 * n * readouts * 3 * 8 * 32)


def test_plan_adds_up_and_peaks_above_what_it_keeps(tmp_path):
    config = _config()
    rows = plan(
        config,
        planned_jobs(TEST_CONFIG, tmp_path),
        gpu_flops=1e15,
        mfu=0.5,
        decode_mfu=0.05,
        cpu_flops=1e9,
        job_start_s=5.0,
    )
    by_rule = {row["rule"]: row for row in rows}
    slices = by_rule["pretrain_slices"]
    assert slices["jobs"] == 1 and slices["flops"] > 0 and slices["disk"] > 0
    assert slices["cpu_hours"] == pytest.approx((slices["flops"] / 1e9 + 5.0) / 3600)
    assert by_rule["finetune_perturbed"]["train_state"] > 0
    kept = sum(row["disk"] for row in rows)
    assert kept < peak_disk(rows, 1) < peak_disk(rows, 8)
    state = max(row["train_state"] for row in rows)
    assert state % ADAM_BYTES == 0


SHIPPED = [
    "config.yaml",
    "miniature.yaml",
    "paper.yaml",
    "gpu_smoke.yaml",
    "real.yaml",
    "real_gemma.yaml",
]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_config_plans(name, capsys):
    main(["--configfile", str(ROOT / "config" / name), "--cpu-flops", "1e10"])
    out = capsys.readouterr().out
    assert "| **total** |" in out and "Peak disk" in out
    if name == "paper.yaml":  # hub bases: their downloads are on the bill
        total = next(line for line in out.splitlines() if line.startswith("| **total**"))
        assert float(total.split("|")[-2].replace(",", "")) > 50
    header = int(out.split(" jobs")[0].rsplit(" ", 1)[-1])
    total = next(line for line in out.splitlines() if line.startswith("| **total**"))
    assert int(total.split("|")[2]) == header  # every planned job is on a rule's row


def test_a_job_asks_for_the_memory_its_base_needs():
    """A base tagged with its size gets a memory request that grows with it (training: 28
    bytes a parameter over 1.5 GB); an untagged one, and a rule that holds no model, keep
    the rule's default."""
    config = _config()
    config["bases"]["big"] = {"source": "hub", "repo": "x/y", "params": 10**9}
    assert job_memory_mb(config, "finetune_perturbed", "big", 4000) == 1500 + 28_000
    assert job_memory_mb(config, "score_base", "big", 3000) == 1500 + 8_000
    volumes = len(config["rebound"]["volumes"])
    assert job_memory_mb(config, "plant_rebound", "big", 4000) == 1500 + 4000 * (3 + volumes)
    assert job_memory_mb(config, "finetune_perturbed", "micro-8k", 4000) == 4000
    assert job_memory_mb(config, "aggregate_rebound", "big", 2000) == 2000
    config["bases"]["big"]["params"] = 10**6  # a small model: the rule's default is enough
    assert job_memory_mb(config, "finetune_perturbed", "big", 4000) == 4000
