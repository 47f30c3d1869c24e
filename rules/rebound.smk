# Settings II and III (rebound): align each base, perturb it, score every checkpoint.


# Setting II: align the base on the first n examples of one pole (positives by default) with
# one of rebound.aligners: an engine of hooke.engines, or a user's plugin.
rule finetune_aligned:
    input:
        base=base_model,
        pool=aligning_pool,
        opposite=perturbing_pool,
    output:
        run=directory(
            "results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/aligned-{n}"
        ),
    log:
        "logs/finetune_aligned/{base}/{task}/{direction}/{aligner}/seed-{seed}/aligned-{n}.log",
    benchmark:
        "benchmarks/finetune_aligned/{base}/{task}/{direction}/{aligner}/seed-{seed}/aligned-{n}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        template=task_template,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config.get("rebound", {}).get("align", {})),
        aligner=aligner_spec,
    script:
        "../scripts/finetune_aligned.py"


# Setting II: perturb an aligned model with the other pole, a checkpoint at each grid point
# (a model each: the bulk of a cluster run's disk, hence temporary) and the training losses.
rule finetune_perturbed:
    input:
        aligned=aligned_run,
        pool=perturbing_pool,
        opposite=aligning_pool,
        scorer=reward_scorer,
    output:
        # Temporary unless rebound.keep_checkpoints: score_rebound reads them, then they go.
        checkpoints=grid_checkpoints(
            "results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/checkpoints"
        ),
        metrics="results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/metrics.parquet",
    log:
        "logs/finetune_perturbed/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}.log",
    benchmark:
        "benchmarks/finetune_perturbed/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        template=task_template,
        aligned=aligned_model_dir,
        trust_remote_code=trust_remote_code,
        grid=config.get("rebound", {}).get("grid", []),
        # the engine and its settings: rebound.perturb, or a benchmark attack over it
        algorithm=attack_algorithm,
        train=attack_train,
        lora=attack_lora,
        guard=perturbation_guard,
    script:
        "../scripts/finetune_perturbed.py"


# Setting II: task score and KL to the base (sampled responses), and the likelihood readouts
# on held-out text (bits per byte on D_p, D_a, D_t; the margin) at every grid point of a run.
rule score_rebound:
    input:
        base=base_model,
        aligned=aligned_run,
        perturbed=rules.finetune_perturbed.output.checkpoints,
        prompts=rules.prepare_data.output.prompts,
        scorer=rules.train_scorer.output.scorer,
        heldout=rules.prepare_data.output.scorer,
        aligning=aligning_pool,
    output:
        metrics="results/scores/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/{n}-{algorithm}.parquet",
    log:
        "logs/score_rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/{n}-{algorithm}.log",
    benchmark:
        "benchmarks/score_rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/{n}-{algorithm}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        template=task_template,
        base_dir=base_model_dir,
        aligned=aligned_model_dir,
        trust_remote_code=trust_remote_code,
        grid=config.get("rebound", {}).get("grid", []),
        eval=rebound_eval,
        pretrain_tokens=base_tokens,
    script:
        "../scripts/score_rebound.py"


# Setting II: the base model's task score, the reference line of the rebound curves.
rule score_base:
    input:
        base=base_model,
        prompts=rules.prepare_data.output.prompts,
        heldout=rules.prepare_data.output.scorer,
        scorer=rules.train_scorer.output.scorer,
    output:
        metrics="results/scores/base/{base}/{task}/seed-{seed}.parquet",
    log:
        "logs/score_base/{base}/{task}/seed-{seed}.log",
    benchmark:
        "benchmarks/score_base/{base}/{task}/seed-{seed}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        template=task_template,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        eval=rebound_eval,
        pretrain_tokens=base_tokens,
    script:
        "../scripts/score_base.py"
