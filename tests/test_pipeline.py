"""The whole DAG on the tiny config: outputs, schemas, finite numbers, incremental re-runs."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from conftest import load_test_config, snakemake

from hooke.metrics import SCHEMA


def planned_jobs(workdir, configfile=None) -> dict[str, int]:
    """Rule -> job count that a dry run would execute."""
    kwargs = {"configfile": configfile} if configfile else {}
    out = snakemake(workdir, "-n", "all", **kwargs).stdout
    if "Nothing to be done" in out:
        return {}
    stats = out.split("Job stats:", 1)[1]
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)
        if m.group(1) != "total"
    }


def test_outputs_and_schemas(tiny_run):
    results = tiny_run / "results"
    metrics = sorted(
        p for p in (results / "inverse").rglob("*.parquet") if ".examples." not in p.name
    ) + sorted((results / "scores").rglob("*.parquet"))
    # Setting I: 3 pairs x 2 paths, 3 slices scored; Setting II: (2 volumes + the base
    # control) x 2 algorithms, and the base's own scores
    assert len(metrics) == 3 * 2 + 3 + (2 + 1) * 2 + 1
    for path in metrics:
        table = pq.read_table(path)
        assert table.schema.equals(SCHEMA), path
        values = table.column("value").to_pylist()
        assert values and all(math.isfinite(v) for v in values), path
    resistance = pd.read_csv(results / "tables" / "resistance.csv")
    assert len(resistance) == 3
    assert set(zip(resistance.slice_k, resistance.slice_l, strict=True)) == {(1, 2), (1, 3), (2, 3)}
    for column in ("forward_final", "inverse_final", "forward_tail", "inverse_tail"):
        assert resistance[column].map(math.isfinite).all()
        assert (resistance[column] > 0).all()
    harvest = pd.read_parquet(results / "harvest/micro-8k/imdb/seed-0/slice-1.parquet")
    assert list(harvest.columns[:4]) == ["prompt", "response", "gen_nll", "n_tokens"]
    assert {"slice", "seed"} <= set(harvest.columns) and len(harvest) == 24
    assert (harvest.gen_nll > 0).all()
    scorer = pd.read_csv(results / "tables" / "scorer.csv")
    assert 0.5 < scorer.heldout_accuracy.iloc[0] <= 1.0
    for figure in ("resistance_curves", "resistance_gaps"):
        png = results / "figures" / f"{figure}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        html = (results / "figures" / f"{figure}.html").read_text()
        assert "cdn.jsdelivr" not in html and "vega" in html.lower()


def test_resistance_measures(tiny_run):
    tables = tiny_run / "results" / "tables"
    per_seed = pd.read_csv(tables / "resistance.csv")
    assert (per_seed.forward_tokens == 480).all() and (per_seed.inverse_tokens == 480).all()
    for column in (
        "forward_excess_start",
        "inverse_excess_end",
        "forward_kl_start",
        "inverse_kl_end",
    ):
        assert per_seed[column].map(math.isfinite).all(), column
    assert (per_seed.forward_kl_start >= 0).all() and (per_seed.inverse_kl_start >= 0).all()
    # both paths: the same 4 steps on the same 480 tokens, checked at aggregation
    assert (per_seed.forward_steps == 4).all() and (per_seed.inverse_steps == 4).all()
    assert per_seed.gap_kl_end.map(math.isfinite).all()
    assert per_seed.forward_heldout_nll_end.map(math.isfinite).all()
    cells = pd.read_csv(tables / "resistance_cells.csv")
    assert len(cells) == 3 and (cells.seeds == 1).all()
    # one seed: the crossed model has prompts as its only replicates, still a CI
    assert (cells.gap_kl_end_lo <= cells.gap_kl_end).all()
    assert (cells.gap_kl_end <= cells.gap_kl_end_hi).all()
    signs = pd.read_csv(tables / "resistance_signs.csv")
    assert signs.cells.tolist() == [3] * 5 and signs.p_value.between(0, 1).all()
    table1 = (tables / "resistance_table1.md").read_text()
    assert "θ2→θ1 vs θ1→θ2" in table1 and "micro-8k" in table1
    examples = pd.read_parquet(
        tiny_run / "results/inverse/micro-8k/imdb/seed-0/pair-1-2/forward.examples.parquet"
    )
    assert examples.tokens.sum() > 0 and (examples.gen_nll > 0).all()
    assert examples.groupby("split").size().to_dict() == {"heldout": 6, "train": 16}
    assert (examples[examples.split == "heldout"].kl_end >= 0).all()
    # the paths trained on the generator's own token ids, kept by the harvest
    harvest = pd.read_parquet(tiny_run / "results/harvest/micro-8k/imdb/seed-0/slice-2.parquet")
    assert (harvest.response_ids.map(len) == harvest.n_tokens).all()


def test_verdicts_lead_the_summary(tiny_run):
    from hooke.summary import summarise

    verdicts = pd.read_csv(tiny_run / "results" / "tables" / "verdicts.csv")
    assert {"H1", "H2", "H3", "H6a", "H6b", "H6c", "H6d", "H7", "H8"} <= set(verdicts.hypothesis)
    labels = {"supported", "opposite", "negligible", "inconclusive", "descriptive"}
    assert all(v in labels or v.startswith("not testable here (needs ") for v in verdicts.verdict)
    # one SFT run, two volumes, one base and seed: the tiny design tests none of these
    for key in ("H1", "H2", "H3", "H7", "H8"):
        assert verdicts.set_index("hypothesis").verdict[key].startswith("not testable"), key
    # the neural testbed (3 seeds) finds Hooke's law at its optimum: slope 1, opposite signs
    assert verdicts.set_index("hypothesis").verdict[["H6c", "H6d"]].tolist() == ["supported"] * 2
    measured = verdicts.dropna(subset=["estimate"])
    assert (measured.ci_low <= measured.estimate).all() and (measured.mde >= 0).all()
    assert summarise(tiny_run / "results").splitlines()[0].startswith("Verdicts")
    # the exact model's prediction at each Setting II run's own k, beside its measurement
    theorem = pd.read_csv(tiny_run / "results" / "tables" / "theorem_runs.csv")
    assert set(theorem.code) == {"entropy", "huffman"} and (theorem.k > 1).all()
    ideal = theorem[theorem.code == "entropy"]
    assert np.allclose(ideal.predicted_ratio, -ideal.k, rtol=1e-6)
    assert np.isfinite(theorem.measured_ratio).any()


def test_pair_and_seed_expansion(tmp_path):
    def edit(config):
        config["resistance"]["seeds"] = [0, 1]
        config["resistance"]["sft"]["slices"] = 4

    jobs = planned_jobs(tmp_path, _changed_config(tmp_path, edit))
    assert jobs["harvest_responses"] == 8 and jobs["score_responses"] == 8
    assert jobs["finetune_inverse"] == 2 * 6 and jobs["finetune_slices"] == 1  # both paths a job

    def only_one_pair(config):
        edit(config)
        config["resistance"]["pairs"] = [[1, 3]]

    jobs = planned_jobs(tmp_path, _changed_config(tmp_path, only_one_pair))
    assert jobs["finetune_inverse"] == 2

    def per_seed(config):
        edit(config)
        config["resistance"]["sft"]["per_seed"] = True

    jobs = planned_jobs(tmp_path, _changed_config(tmp_path, per_seed))
    assert jobs["finetune_slices"] == 2 and jobs["harvest_responses"] == 8  # a run per seed


def test_slices_load(tiny_run):
    from hooke.models import load_model, load_tokenizer

    for k in (1, 2, 3):
        path = tiny_run / f"results/sft/micro-8k/imdb/seed-0/slice-{k}"
        model, tokenizer = load_model(path), load_tokenizer(path)
        assert model.config.model_type == "llama" and len(tokenizer) <= model.config.vocab_size
    for tokens in (4096, 8192):
        assert (tiny_run / f"results/pretrain/micro/tokens-{tokens}/model.safetensors").is_file()


def test_rerun_has_nothing_to_do(copied_run):
    assert planned_jobs(copied_run) == {}


def _changed_config(tmp_path, edit) -> str:
    config = load_test_config()
    edit(config)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_scoring_change_reruns_only_scoring(copied_run, tmp_path):
    """A threshold or a scorer changed re-runs the scoring jobs and what reads them, never a
    training job: a perturbation run's responses are written as text, graded apart."""

    def edit(config):
        config["score"]["threshold"] = 0.6

    scoring = {
        "score_responses": 3,
        "aggregate_tables": 1,
        "draw_figures": 1,
        "score_rebound": 6,  # 2 volumes and the base control, 2 algorithms
        "score_base": 1,
        "aggregate_rebound": 1,
        "draw_rebound": 1,
        "draw_scaling": 1,
        "judge_hypotheses": 1,
        "draw_compression_law": 1,  # it draws the judge's table
        "rank_defences": 1,  # the benchmark reads the same scores
        "draw_defences": 1,
        "all": 1,
    }
    assert planned_jobs(copied_run, _changed_config(tmp_path, edit)) == scoring

    def new_scorer(config):
        config["tasks"]["imdb"]["scorer"]["C"] = 2.0

    assert planned_jobs(copied_run, _changed_config(tmp_path, new_scorer)) == {
        "train_scorer": 1,
        **scoring,
    }


def test_a_readout_change_reruns_each_perturbation_run_once(copied_run, tmp_path):
    """What a run reads at its grid points (rebound.eval) is part of its one job: each
    perturbation run re-runs, once, and nothing upstream of it."""

    def edit(config):
        config["rebound"]["eval"]["compression_texts"] = 6

    jobs = planned_jobs(copied_run, _changed_config(tmp_path, edit))
    assert jobs["finetune_perturbed"] == 6 and jobs["score_rebound"] == 6
    assert not {"finetune_aligned", "pretrain_slices", "train_scorer"} & set(jobs)


def test_generic_english_as_d_p_reruns_the_readouts_only(copied_run, tmp_path):
    """rebound.eval.pretrain_texts: python_docs: the generic texts are made once and every job
    that reads D_p runs again; nothing is trained again but the perturbations themselves,
    whose readouts are taken in memory."""

    def edit(config):
        config["rebound"]["eval"]["pretrain_texts"] = "python_docs"

    jobs = planned_jobs(copied_run, _changed_config(tmp_path, edit))
    assert jobs["prepare_generic_text"] == 1 and jobs["finetune_perturbed"] == 6
    assert jobs["score_base"] == 1
    assert not {"pretrain_slices", "finetune_aligned", "finetune_slices"} & set(jobs)


def test_keeping_checkpoints_is_a_switch(copied_run, tmp_path):
    """rebound.keep_checkpoints re-runs nothing by itself (it is storage, not a result); the
    next run that trains keeps a checkpoint at every grid point (none are saved otherwise)."""

    def keep(config):
        config["rebound"]["keep_checkpoints"] = True

    assert planned_jobs(copied_run, _changed_config(tmp_path, keep)) == {}

    def keep_and_retrain(config):
        keep(config)
        config["rebound"]["perturb"]["learning_rate"] = 0.002

    scores = "results/scores/rebound/micro-8k/imdb/positive_first/sft/seed-0/16-sft.parquet"
    snakemake(copied_run, scores, configfile=_changed_config(tmp_path, keep_and_retrain))
    run = copied_run / "results/rebound/micro-8k/imdb/positive_first/sft/seed-0/perturbed-16-sft"
    assert (run / "checkpoints" / "examples-16" / "model.safetensors").is_file()
    assert not (run / "checkpoints" / "examples-0").exists()  # grid point 0: the aligned model


def test_sft_change_keeps_pretraining(copied_run, tmp_path):
    def edit(config):
        config["resistance"]["sft"]["learning_rate"] = 0.002

    jobs = planned_jobs(copied_run, _changed_config(tmp_path, edit))
    assert jobs["finetune_slices"] == 1 and jobs["finetune_inverse"] == 3
    assert "pretrain_slices" not in jobs and "prepare_data" not in jobs
    assert "train_scorer" not in jobs


def test_template_change_reruns_the_model_stages_only(copied_run, tmp_path):
    def edit(config):
        config["tasks"]["imdb"]["template"] = "safe_rlhf"

    jobs = planned_jobs(copied_run, _changed_config(tmp_path, edit))
    for rule in ("finetune_slices", "harvest_responses", "finetune_aligned", "score_base"):
        assert rule in jobs, rule
    assert not {"pretrain_slices", "prepare_data", "train_scorer"} & set(jobs)


def test_gpt_neox_base_runs_through_a_rebound_chain(copied_run, tmp_path):
    """A local base of another family (architecture.model_type: gpt_neox) is pre-trained,
    aligned, perturbed and scored by the same jobs, here in safe-rlhf's dialogue layout
    (every model job says which layout it used); only what depends on the run re-runs."""
    from hooke.models import load_model

    def edit(config):
        config["pretrain"]["micro"]["architecture"]["model_type"] = "gpt_neox"
        config["tasks"]["imdb"]["template"] = "safe_rlhf"
        for stage in ("align", "perturb", "eval"):  # the dialogue prefix is ~30 tokens here
            config["rebound"][stage]["max_length"] = 96

    changed = _changed_config(tmp_path, edit)
    jobs = planned_jobs(copied_run, changed)
    assert jobs["pretrain_slices"] == 1 and "prepare_data" not in jobs
    scores = "results/scores/rebound/micro-8k/imdb/positive_first/sft/seed-0/16-dpo.parquet"
    snakemake(copied_run, scores, configfile=changed)
    slice_dir = copied_run / "results/pretrain/micro/tokens-8192"
    assert load_model(slice_dir).config.model_type == "gpt_neox"
    aligned = (
        copied_run / "results/rebound/micro-8k/imdb/positive_first/sft/seed-0/aligned-16/model"
    )
    assert load_model(aligned).config.model_type == "gpt_neox"
    frame = pd.read_parquet(copied_run / scores)
    margins = frame[frame.metric == "margin"].sort_values("n_neg")
    assert margins.n_neg.tolist() == [0, 8, 16] and margins.value.map(math.isfinite).all()
    logs = copied_run / "logs"
    names = {"finetune_aligned": "aligned-16", "finetune_perturbed": "perturbed-16-dpo"}
    for rule, name in names.items():  # the model jobs; score_rebound grades text
        (log,) = (logs / rule).rglob(f"{name}.log")
        assert "template: safe_rlhf" in log.read_text(), log


def test_rebound_outputs(tiny_run):
    tables = tiny_run / "results" / "tables"
    curves = pd.read_csv(tables / "rebound_curves.csv")
    assert set(curves.algorithm) == {"sft", "dpo"} and set(curves.aligned) == {16, 32}
    assert set(curves.perturbed) == {0, 8, 16}
    assert curves.value.map(math.isfinite).all()
    kl = curves[curves.metric == "kl_to_base"]
    assert (kl.value >= 0).all() and (kl[kl.perturbed == 0].value > 0).all()
    table3 = pd.read_csv(tables / "rebound_table3.csv")
    assert len(table3) == 4 and (table3.epsilon == 0.01).all()
    assert len(pd.read_csv(tables / "rebound_slopes.csv")) == 4
    assert len(pd.read_csv(tables / "rebound_reference.csv")) == 1
    runs = pd.read_parquet(
        tiny_run / "results/scores/rebound/micro-8k/imdb/positive_first/sft/seed-0/16-sft.parquet"
    )
    margins = runs[runs.metric == "margin"]
    assert len(margins) == 3 and margins.value.map(math.isfinite).all()
    per_response = runs[runs.metric == "response_p_positive"]
    assert len(per_response) == 3 * 8 and set(per_response["item"]) == set(range(8))
    compression = pd.read_csv(tables / "rebound_compression.csv")
    assert len(compression) == 4 * 3
    for column in ("bpb_pretrain", "bpb_aligned", "bpb_perturbing"):
        assert compression[column].between(0.1, 20).all(), column
    hooke = pd.read_csv(tables / "hooke_check.csv")
    assert len(hooke) == 4 and (hooke.pretrain_tokens == 8192).all()
    assert (hooke.k == hooke.pretrain_tokens / hooke.aligned_tokens).all()
    margin = pd.read_csv(tables / "rebound_margin.csv")  # the base control beside the runs
    assert set(margin.aligned) == {0, 16, 32} and margin[margin.aligned == 0].control.all()
    law = pd.read_csv(tables / "compression_law.csv")  # 3 seeds x 2 k of the neural testbed
    assert len(law) == 3 * 2 and (law.shares == 3).all() and law.d_aligned.notna().all()
    assert (law.ratio / -law.k).between(0.95, 1.05).all()  # Hooke's law at the optimum
    for figure in ("rebound_score", "rebound_kl", "margin_curves"):
        assert (tiny_run / "results" / "figures" / f"{figure}.png").stat().st_size > 5000
    # The storage plan: a perturbation run saves no model (it reads its grid points in
    # memory); its readouts, sampled responses and training losses, and the aligned models stay.
    run = tiny_run / "results/rebound/micro-8k/imdb/positive_first/sft/seed-0/perturbed-32-dpo"
    assert sorted(p.name for p in run.iterdir()) == [
        "metrics.parquet",
        "readouts.parquet",
        "responses.parquet",
    ]
    responses = pd.read_parquet(run / "responses.parquet")
    assert set(responses.step) == {0, 8, 16} and responses.response.map(len).gt(0).any()
    assert (run.parent / "aligned-32" / "model" / "model.safetensors").is_file()


def test_rebound_expansion(tmp_path):
    def edit(config):
        config["rebound"].update(
            seeds=[0, 1],
            volumes=[16, 24, 32],
            algorithms=["sft"],
            directions=["positive_first", "negative_first"],
            controls=[],
        )

    jobs = planned_jobs(tmp_path, _changed_config(tmp_path, edit))
    assert jobs["finetune_aligned"] == 2 * 3 * 2 and jobs["finetune_perturbed"] == 12
    assert jobs["score_rebound"] == 12 and jobs["score_base"] == 2

    def with_control(config):
        edit(config)
        config["rebound"]["controls"] = ["base"]

    jobs = planned_jobs(tmp_path, _changed_config(tmp_path, with_control))
    # the base control: volume 0, per seed, in the first direction only, perturbing the
    # base itself (no aligned model to make)
    assert jobs["finetune_aligned"] == 2 * 3 * 2 and jobs["finetune_perturbed"] == 14


def test_report_bundles_tables_and_figures(copied_run):
    snakemake(copied_run, "--report", "results/report.html")
    report = (copied_run / "results" / "report.html").read_text(errors="replace")
    assert len(report) > 100_000
    for name in (
        "resistance_curves.png",
        "resistance_gaps.html",
        "resistance_table1.md",
        "resistance_signs.csv",
    ):
        assert name in report, name


def test_tensorboard_curves_beside_logs(tiny_run):
    events = list((tiny_run / "logs" / "finetune_inverse").rglob("events.out.tfevents.*"))
    assert len(events) == 6  # 3 pairs, each path of a pair in its own folder
    assert {event.parent.name for event in events} == {"forward", "inverse"}


def test_a_user_plugin_and_the_defences_benchmark_run_through_the_whole_dag(
    copied_run, tmp_path, monkeypatch
):
    """rebound.aligners with the plugin of tests/plugins: its runs are aligned, perturbed,
    scored and tabled under their own path segment, and nothing of the sft runs re-runs;
    the verdicts stay those of the first aligner. The benchmark (defences) ranks the plugin,
    an alignment-stage and a fine-tuning-stage defence against plain SFT under two attacks
    (one of them LoRA at another learning rate), sharing the runs it has in common with
    Setting II; mix perturbs SFT's aligned model (no aligned model of its own)."""
    import os

    from conftest import ROOT

    plugins = str(ROOT / "tests" / "plugins")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [plugins, os.environ.get("PYTHONPATH")]))
    )
    before = pd.read_csv(copied_run / "results/tables/verdicts.csv")

    def edit(config):
        config["rebound"]["aligners"] = ["sft", "anchored"]
        config["rebound"]["plugins"] = {
            "anchored": {"factory": "anchored_sft:factory", "params": {"anchor_weight": 10.0}}
        }
        config["rebound"]["controls"] = ["base", "balanced"]
        config["defences"] = {
            "methods": ["sft", "anchored", "vaccine", "mix"],
            "attacks": {
                "sft": {},
                "sft-lora": {"algorithm": "sft", "learning_rate": 0.003, "lora": {"r": 4}},
            },
            "volume": 16,
        }

    changed = _changed_config(tmp_path, edit)
    jobs = planned_jobs(copied_run, changed)
    # anchored: 2 volumes x 2 algorithms; the balanced control: 2 volumes; the benchmark adds
    # 6 runs (sft x sft and anchored x sft are Setting II's) and vaccine's aligned model
    assert jobs["finetune_aligned"] == 3 and jobs["finetune_perturbed"] == 12
    assert jobs["score_rebound"] == 12 and "score_base" not in jobs
    assert jobs["rank_defences"] == 1 and jobs["draw_defences"] == 1
    snakemake(copied_run, "all", configfile=changed)
    run = "micro-8k/imdb/positive_first/anchored/seed-0"
    assert (copied_run / f"results/scores/rebound/{run}/16-dpo.parquet").is_file()
    assert not list(
        (copied_run / "results/rebound/micro-8k/imdb/positive_first/mix").glob("*/aligned-*")
    )
    margin = pd.read_csv(copied_run / "results/tables/rebound_margin.csv")
    assert set(margin.aligner) == {"sft", "anchored"}
    assert set(margin.algorithm) == {"sft", "dpo", "balanced"}
    # the balanced control: per volume, where the margin rests and the KL floor
    rest = pd.read_csv(copied_run / "results/tables/rebound_rest.csv")
    assert rest.aligned.tolist() == [16, 32] and rest.examples_seen.eq(16).all()
    assert rest[["margin_aligned", "margin_rest", "kl_floor"]].notna().all().all()
    after = pd.read_csv(copied_run / "results/tables/verdicts.csv")
    pd.testing.assert_frame_equal(before, after)  # the controls stay out of the verdicts
    table = pd.read_csv(copied_run / "results/tables/defences.csv")
    methods = ["sft", "anchored", "vaccine", "mix"]
    assert set(table.method) == set(methods)
    assert set(table.attack) == {"sft", "sft-lora", "worst case"}
    assert (table.groupby("attack").size()[["sft", "sft-lora"]] == 4).all()
    per_attack = table[table.attack != "worst case"]
    # three grid points: no curve is fitted (six needed), the fall by the grid's end remains
    assert per_attack.seeds.eq(1).all() and per_attack.ci_from.eq("unfitted").all()
    assert table.d_bpb_pretrain[table.method == "sft"].eq(0).all()  # the reference
    lost = per_attack.set_index(["method", "attack"]).lost
    for _, row in table[table.attack == "worst case"].iterrows():
        assert row.lost == lost[row.method].max()
    # mix perturbs SFT's aligned model, guarded: same start, another fall; LoRA another attack
    assert (
        table.bpb_aligned[table.method == "mix"]
        .eq(table.bpb_aligned[table.method == "sft"].iloc[0])
        .all()
    )
    assert (
        lost["mix", "sft"] != lost["sft", "sft"] and lost["sft", "sft-lora"] != lost["sft", "sft"]
    )
    runs = pd.read_csv(copied_run / "results/tables/defence_runs.csv")
    assert len(runs) == 8 and runs.gain.notna().all() and not runs.fitted.any()
    assert (copied_run / "results/figures/defences_speed.png").stat().st_size > 0


def test_a_set_written_in_another_order_reruns_nothing(copied_run, tmp_path):
    """The same grid and volumes in another order (sets, canonicalised before any rule)."""

    def edit(config):
        config["rebound"]["grid"] = list(reversed(config["rebound"]["grid"]))
        config["rebound"]["volumes"] = list(reversed(config["rebound"]["volumes"]))

    assert planned_jobs(copied_run, _changed_config(tmp_path, edit)) == {}
