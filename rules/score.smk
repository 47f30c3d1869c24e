# Train (tfidf) or fetch (hf_classifier) the task's scorer; record its held-out accuracy.
rule train_scorer:
    input:
        labelled=rules.prepare_data.output.scorer,
    output:
        scorer=directory("results/scorer/{task}/model"),
        metrics="results/scorer/{task}/metrics.parquet",
    log:
        "logs/train_scorer/{task}.log",
    benchmark:
        "benchmarks/train_scorer/{task}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        spec=task_scorer,
    script:
        "../scripts/train_scorer.py"


# Grade one slice's harvested responses with the task's scorer.
rule score_responses:
    input:
        scorer=rules.train_scorer.output.scorer,
        responses=rules.harvest_responses.output.responses,
    output:
        metrics="results/scores/{base}/{task}/seed-{seed}/slice-{k}.parquet",
    log:
        "logs/score_responses/{base}/{task}/seed-{seed}/slice-{k}.log",
    benchmark:
        "benchmarks/score_responses/{base}/{task}/seed-{seed}/slice-{k}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        threshold=config["score"]["threshold"],
    script:
        "../scripts/score.py"


# Setting II: task score, KL to the base and compression rates (bits per byte on D_p, D_a,
# D_t) at every grid point of one perturbation run.
rule score_rebound:
    input:
        base=base_model,
        aligned=rules.finetune_aligned.output.run,
        perturbed=rules.finetune_perturbed.output.run,
        prompts=rules.prepare_data.output.prompts,
        scorer=rules.train_scorer.output.scorer,
        pretrain=rules.prepare_data.output.pretrain,
        aligning=aligning_pool,
        perturbing=perturbing_pool,
    output:
        metrics="results/scores/rebound/{base}/{task}/{direction}/seed-{seed}/{n}-{algorithm}.parquet",
    log:
        "logs/score_rebound/{base}/{task}/{direction}/seed-{seed}/{n}-{algorithm}.log",
    benchmark:
        "benchmarks/score_rebound/{base}/{task}/{direction}/seed-{seed}/{n}-{algorithm}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        base_dir=base_model_dir,
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
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        eval=rebound_eval,
        pretrain_tokens=base_tokens,
    script:
        "../scripts/score_base.py"
