# Settings II and III (rebound): align each base, perturb it reading it along the way, score.


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
        mem_mb=memory("finetune_aligned", 4000),
        runtime=120,
    params:
        template=task_template,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=align_train,
        aligner=aligner_spec,
    script:
        "../scripts/finetune_aligned.py"


# Setting II: perturb an aligned model with the other pole, reading it at every grid point
# as it trains (one job per run, no checkpoint unless rebound.keep_checkpoints): the
# likelihood readouts on held-out text (bits per byte on D_p, D_a, D_t; the margin), and at
# the points of rebound.eval.sample_at the sampled responses with their KL to the base.
rule finetune_perturbed:
    input:
        aligned=aligned_run,
        pool=perturbing_pool,
        opposite=aligning_pool,
        scorer=reward_scorer,
        base=base_model,
        prompts=rules.prepare_data.output.prompts,
        heldout=pretrain_texts,
    output:
        readouts="results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/readouts.parquet",
        responses="results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/responses.parquet",
        metrics="results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/metrics.parquet",
    log:
        "logs/finetune_perturbed/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}.log",
    benchmark:
        "benchmarks/finetune_perturbed/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=memory("finetune_perturbed", 4000),
        runtime=120,
    params:
        template=task_template,
        aligned=aligned_model_dir,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        grid=config.get("rebound", {}).get("grid", []),
        # the engine and its settings: rebound.perturb, or a benchmark attack over it
        algorithm=attack_algorithm,
        train=attack_train,
        lora=attack_lora,
        guard=perturbation_guard,
        eval=readout_eval,
        pretrain_tokens=base_tokens,
    script:
        "../scripts/finetune_perturbed.py"


# Setting II: the task score of the responses a run sampled, beside its readouts (a light
# job: a scorer or threshold change re-runs this, never the training).
rule score_rebound:
    input:
        readouts=rules.finetune_perturbed.output.readouts,
        responses=rules.finetune_perturbed.output.responses,
        scorer=rules.train_scorer.output.scorer,
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
        mem_mb=2000,
        runtime=30,
    params:
        threshold=config["score"]["threshold"],
    script:
        "../scripts/score_rebound.py"


# Setting II: the base model's task score, the reference line of the rebound curves.
rule score_base:
    input:
        base=base_model,
        prompts=rules.prepare_data.output.prompts,
        heldout=pretrain_texts,
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
        mem_mb=memory("score_base", 3000),
        runtime=60,
    params:
        template=task_template,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        eval=rebound_eval,
        pretrain_tokens=base_tokens,
    script:
        "../scripts/score_base.py"
