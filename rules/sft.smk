# Positive SFT: one epoch from the base, saving slices θ1..θn at equal fractions of it.
rule finetune_slices:
    input:
        base=base_model,
        positive=rules.prepare_data.output.positive,
    output:
        run=directory("results/sft/{base}/{task}"),
    log:
        "logs/finetune_slices/{base}/{task}.log",
    benchmark:
        "benchmarks/finetune_slices/{base}/{task}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config["resistance"]["sft"]),
    script:
        "../scripts/sft.py"


# Setting II: align the base on the first n examples of one pole (positives by default).
rule finetune_aligned:
    input:
        base=base_model,
        pool=aligning_pool,
    output:
        run=directory("results/rebound/{base}/{task}/{direction}/seed-{seed}/aligned-{n}"),
    log:
        "logs/finetune_aligned/{base}/{task}/{direction}/seed-{seed}/aligned-{n}.log",
    benchmark:
        "benchmarks/finetune_aligned/{base}/{task}/{direction}/seed-{seed}/aligned-{n}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config.get("rebound", {}).get("align", {})),
    script:
        "../scripts/align.py"
