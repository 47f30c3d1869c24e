# Helpers shared by the rule files (config look-ups and input functions), by name.

import sys
from pathlib import Path

# The Snakefile imports hooke from this checkout, installed or not; jobs find it through the
# scripts/hooke link (Snakemake puts a script's folder on its sys.path), in any conda env.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from hooke import costs, defences, grid, paths, settings
from hooke.config import canonical, check_config, coerce_overrides
from hooke.errors import HookeError


def base_spec(wildcards):
    """The config entry of the wildcard's base."""
    return canonical(config["bases"][wildcards.base])


def base_model(wildcards):
    """The output (of pretrain_slices or download_base) holding the base model."""
    spec = base_spec(wildcards)
    if spec["source"] == "local":
        return rules.pretrain_slices.output.run.format(run=spec["run"])
    return rules.download_base.output.model.format(base=wildcards.base)


def memory(rule, default):
    """A rule's mem_mb: its default, or what a base of the size its config tags needs; a job
    retried (the Slurm profile's retries) after running out of memory asks for twice as much,
    so that a retry is not the same failure again."""
    return lambda wildcards, attempt: attempt * costs.job_memory_mb(
        config, rule, wildcards.base, default
    )


def base_model_dir(wildcards):
    """The directory `from_pretrained` loads for the base (a slice inside a local run)."""
    spec = base_spec(wildcards)
    if spec["source"] == "local":
        return str(paths.tokens_dir(base_model(wildcards), spec["tokens"]))
    return base_model(wildcards)


def trust_remote_code(wildcards):
    """Whether the config opts this base in to code from its repo."""
    return bool(base_spec(wildcards).get("trust_remote_code", False))


def base_lora(wildcards):
    """The base's LoRA settings (None: full fine-tuning) for every stage that trains it."""
    return canonical(base_spec(wildcards).get("lora"))


def pretrain_text(wildcards):
    """The pre-training split of the task a local run reads."""
    task = config["pretrain"][wildcards.run]["task"]
    return rules.prepare_data.output.pretrain.format(task=task)


def sft_run(wildcards):
    """The SFT run behind a replicate seed's slices: its own (data-order seed sft.seed +
    seed) with resistance.sft.per_seed, else the one shared run (seed sft.seed)."""
    sft = config["resistance"]["sft"]
    seed = sft["seed"] + (int(wildcards.seed) if sft.get("per_seed") else 0)
    return rules.finetune_slices.output.run.format(
        base=wildcards.base, task=wildcards.task, seed=seed
    )


def sft_slice(wildcards, k):
    """The directory of SFT slice θk of the wildcards' SFT run."""
    return str(paths.slice_dir(sft_run(wildcards), k))


def harvest_slice(wildcards):
    """The slice θk that answers the prompts."""
    return sft_slice(wildcards, wildcards.k)


def pair_slices(wildcards):
    """The directories of slices θk and θl of a pair: each path's trainee, and the other's
    generator."""
    return {
        "k": sft_slice(wildcards, wildcards.k),
        "l": sft_slice(wildcards, wildcards.l),
    }


def pair_responses(wildcards):
    """D_k and D_l, the harvests of a pair's slices: Path B trains on D_k, Path A on D_l."""
    return {
        f"responses_{side}": rules.harvest_responses.output.responses.format(
            **{**wildcards, "k": getattr(wildcards, side)}
        )
        for side in ("k", "l")
    }


def slice_pairs():
    """The configured pairs (k, l) of SFT slices (hooke.grid)."""
    return grid.slice_pairs(config)


def resistance_grid():
    """(base, task, seed) combinations of Setting I (hooke.grid)."""
    return grid.resistance_grid(config)


def inverse_outputs(name):
    """Every Path A / Path B file of one kind (metrics or examples) of Setting I."""
    return [
        getattr(rules.finetune_inverse.output, f"{path}_{name}").format(
            **cell, k=k, l=l
        )
        for cell in resistance_grid()
        for k, l in slice_pairs()
        for path in ("forward", "inverse")
    ]


def inverse_metrics(wildcards=None):
    """Every Path A / Path B metrics file (loss curves and before/after measures)."""
    return inverse_outputs("metrics")


def inverse_examples(wildcards=None):
    """Every Path A / Path B per-example file (NLL before/after, generator NLL)."""
    return inverse_outputs("examples")


def score_metrics(wildcards=None):
    """Every harvest score file of Setting I."""
    n = config["resistance"]["sft"]["slices"]
    return [
        rules.score_responses.output.metrics.format(**cell, k=k)
        for cell in resistance_grid()
        for k in range(1, n + 1)
    ]


def compression_law_metrics(wildcards=None):
    """Every seed's file of the compression law's synthetic testbed (none when unset)."""
    setting = config.get("compression_law") or {}
    return [
        rules.fit_compression_law.output.metrics.format(seed=s)
        for s in setting.get("seeds", [])
    ]


def scorer_metrics(wildcards=None):
    """The held-out figures of every task's scorer."""
    return [
        rules.train_scorer.output.metrics.format(task=t)
        for t in config["resistance"]["tasks"]
    ]


def task_data(wildcards):
    """The data config of the wildcard's task."""
    return canonical(config["tasks"][wildcards.task]["data"])


def task_scorer(wildcards):
    """The scorer config of the wildcard's task."""
    return canonical(config["tasks"][wildcards.task]["scorer"])


def run_spec(wildcards):
    """The config of the wildcard's local pre-training run."""
    return canonical(config["pretrain"][wildcards.run])


def aligning_pool(wildcards):
    """The pool a rebound run aligns on: positives when positive_first."""
    pool = paths.aligning_pool(wildcards.direction)
    return getattr(rules.prepare_data.output, pool).format(task=wildcards.task)


def pretrain_texts(wildcards):
    """The held-out D_p texts of the readouts (rebound.eval.pretrain_texts): the task's
    scorer split (reviews no model trains on) or generic English, hooke.generic_text."""
    source = settings.pretrain_source(config)
    if source == "task":
        return rules.prepare_data.output.scorer.format(task=wildcards.task)
    return rules.prepare_generic_text.output.texts.format(source=source)


def perturbing_pool(wildcards):
    """The pool a rebound run is perturbed with: negatives when positive_first."""
    pool = paths.perturbing_pool(wildcards.direction)
    return getattr(rules.prepare_data.output, pool).format(task=wildcards.task)


def aligned_run(wildcards):
    """The finetune_aligned run a perturbation starts from: the wildcards' own, or plain
    SFT's for a fine-tuning-stage defence (anchor, mix), which guards the perturbation; the
    base itself for the base control (n = 0: nothing to align, no job to copy it)."""
    if int(wildcards.n) == 0:
        return base_model(wildcards)
    aligner = defences.alignment_of(wildcards.aligner)
    return rules.finetune_aligned.output.run.format(**{**wildcards, "aligner": aligner})


def aligned_model_dir(wildcards):
    """The model a perturbation starts from: the aligned model inside the wildcards'
    finetune_aligned run, or the base's own directory for the base control."""
    if int(wildcards.n) == 0:
        return base_model_dir(wildcards)
    return str(paths.aligned_model(aligned_run(wildcards)))


def attack(wildcards):
    """The perturbation of the wildcards' run (hooke.settings.attack)."""
    return settings.attack(config, wildcards.algorithm)


def attack_algorithm(wildcards):
    """The engine that perturbs the wildcards' run."""
    return attack(wildcards)["algorithm"]


def with_draw(section):
    """A rebound settings section with how the runs draw their texts (rebound.draw)."""
    return settings.with_draw(config, section)


def align_train(wildcards=None):
    """The alignment's settings (rebound.align) and its draw of the aligning pool."""
    return canonical(with_draw(config.get("rebound", {}).get("align", {})))


def attack_train(wildcards):
    """The perturbation's settings (hooke.settings.perturb_settings)."""
    return settings.perturb_settings(config, wildcards.algorithm)


def attack_lora(wildcards):
    """LoRA of the perturbation: the attack's, else the base's (None: every weight)."""
    return canonical(attack(wildcards)["lora"]) or base_lora(wildcards)


def defence_spec(name):
    """A defence as its jobs receive it (hooke.settings.defence_spec)."""
    return settings.defence_spec(config, name)


def perturbation_guard(wildcards):
    """A fine-tuning-stage defence guarding the perturbation (hooke.defences), or None."""
    if wildcards.aligner not in defences.PERTURBATION_STAGE:
        return None
    return defence_spec(wildcards.aligner)


def reward_scorer(wildcards):
    """GRPO's reward model: the task's scorer (the other algorithms need none)."""
    if attack_algorithm(wildcards) != "grpo":
        return []
    return rules.train_scorer.output.scorer.format(task=wildcards.task)


def readout_eval(wildcards=None):
    """What a perturbation run reads at its grid points (rebound.eval): held-out texts,
    prompts and sampling settings."""
    return canonical(settings.readout_eval(config))


def rebound_eval(wildcards=None):
    """The base's reference scores: rebound.eval, with the scoring threshold."""
    return canonical({**readout_eval(), "threshold": config["score"]["threshold"]})


def rebound_grid():
    """The runs of Setting II (hooke.grid)."""
    return grid.rebound_grid(config)


def aligner_spec(wildcards):
    """What the wildcards' aligner is (hooke.settings.aligner_spec)."""
    return settings.aligner_spec(config, wildcards.aligner)


def defence_grid():
    """The runs of the defences benchmark (hooke.grid)."""
    return grid.defence_grid(config)


def defence_metrics(wildcards=None):
    """The benchmark's score files, and its base's reference scores."""
    return score_files(defence_grid())


def defence_targets():
    """The benchmark's table and figure, when defences.methods names any."""
    if not defence_grid():
        return []
    return [*rules.rank_defences.output, *rules.draw_defences.output]


def rebound_metrics(wildcards=None):
    """Every Setting II score file, and the base models' reference scores."""
    return score_files(rebound_grid())


def score_files(runs):
    """The score files of `runs`, and their bases' reference scores."""
    scores = [rules.score_rebound.output.metrics.format(**run) for run in runs]
    bases = {
        rules.score_base.output.metrics.format(
            base=r["base"], task=r["task"], seed=r["seed"]
        )
        for r in runs
    }
    return scores + sorted(bases)


def planted_cells():
    """(base, task, seed) of the planted controls (hooke.grid)."""
    return grid.planted_cells(config)


def planted_runs(wildcards):
    """The aligned runs a planted control starts from: every volume's, in the first
    direction and aligner (the runs the verdicts read)."""
    first = grid.first_arm(config)
    return {
        n: rules.finetune_aligned.output.run.format(**wildcards, **first, n=n)
        for n in config["rebound"]["volumes"]
    }


def planted_inputs(wildcards):
    """The base and the aligned runs of a planted control, as named inputs."""
    runs = {f"aligned_{n}": run for n, run in planted_runs(wildcards).items()}
    return {"base": base_model(wildcards), **runs}


def planted_models(wildcards):
    """The aligned models (volume -> directory) a planted control reads."""
    return {
        str(n): str(paths.aligned_model(run))
        for n, run in planted_runs(wildcards).items()
    }


def planted_metrics(wildcards=None):
    """Every planted control's readouts (none unless rebound.controls holds planted)."""
    return [
        rules.plant_rebound.output.metrics.format(**cell) for cell in planted_cells()
    ]


def task_template(wildcards):
    """How the task lays out prompt and response for the policy (hooke.templates)."""
    return config["tasks"][wildcards.task]["template"]


def rebound_targets():
    """The Setting II tables and figures, when the config has a rebound section."""
    if not config.get("rebound"):
        return []
    return [
        *rules.aggregate_rebound.output,
        *rules.draw_rebound.output,
        *rules.draw_scaling.output,
    ]


def compression_law_targets():
    """The compression law's figure, when its testbed runs (compression_law.seeds), and the
    exact check of the theorem (always: it is seconds of arithmetic)."""
    exact = [*rules.check_theorem.output]
    if not (config.get("compression_law") or {}).get("seeds"):
        return exact
    return [*rules.draw_compression_law.output, *exact]


def base_tokens(wildcards):
    """Pre-training tokens of the base (a local slice's budget, or a hub base's `tokens` tag)."""
    return base_spec(wildcards).get("tokens")


def table_outputs(category, *names, unreported=(), subcategory="tables"):
    """Named outputs of tables, each as CSV and Markdown; the CSV goes into the report with
    its caption (report/<name>.rst) and labels, unless listed in `unreported`."""
    outputs = {}
    for name in names:
        csv = f"results/tables/{name}.csv"
        if name not in unreported:
            csv = report(
                csv,
                caption=f"../report/{name}.rst",
                category=category,
                subcategory=subcategory,
                labels={"table": name},
            )
        outputs[name] = csv
        outputs[f"{name}_md"] = f"results/tables/{name}.md"
    return outputs


def figure_outputs(category, *names):
    """Named outputs of figures, each as offline HTML and PNG, both in the report with the
    figure's caption (report/<name>.rst) and labels."""
    return {
        f"{name}_{kind}": report(
            f"results/figures/{name}.{kind}",
            caption=f"../report/{name}.rst",
            category=category,
            subcategory="figures" if kind == "png" else "interactive figures",
            labels={"figure": name, "format": kind},
        )
        for name in names
        for kind in ("html", "png")
    }


def verdict_params():
    """What the verdicts read of the design (hooke.settings.verdict_params)."""
    return settings.verdict_params(config)


def download_targets():
    """What a config fetches from the internet (hooke.grid.fetched): every task's data
    splits and scorer, and the hub or GGUF bases its settings use."""
    tasks, bases = grid.fetched(config)
    return [
        *(rules.prepare_data.output.prompts.format(task=t) for t in tasks),
        *(rules.train_scorer.output.metrics.format(task=t) for t in tasks),
        *(rules.download_base.output.model.format(base=b) for b in bases),
    ]
