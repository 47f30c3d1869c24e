# Path A (forward: θk on D_l) or Path B (inverse: θl on D_k): the loss curve, and the
# excess loss and KL to the slice that wrote the data, before and after.
rule finetune_inverse:
    input:
        sft=rules.finetune_slices.output.run,
        responses=target_responses,
    output:
        metrics="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.parquet",
        examples="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.examples.parquet",
    log:
        "logs/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.log",
    benchmark:
        "benchmarks/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        trainee=trainee_slice,
        generator=generator_slice,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config["resistance"]["inverse"]),
    script:
        "../scripts/inverse_ft.py"


# Setting II: perturb an aligned model with the other pole, a checkpoint at each grid point.
rule finetune_perturbed:
    input:
        aligned=rules.finetune_aligned.output.run,
        pool=perturbing_pool,
        opposite=aligning_pool,
        scorer=reward_scorer,
    output:
        run=directory(
            "results/rebound/{base}/{task}/{direction}/seed-{seed}/perturbed-{n}-{algorithm}"
        ),
    log:
        "logs/finetune_perturbed/{base}/{task}/{direction}/seed-{seed}/perturbed-{n}-{algorithm}.log",
    benchmark:
        "benchmarks/finetune_perturbed/{base}/{task}/{direction}/seed-{seed}/perturbed-{n}-{algorithm}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        grid=config.get("rebound", {}).get("grid", []),
        train=canonical(config.get("rebound", {}).get("perturb", {})),
    script:
        "../scripts/perturb.py"
