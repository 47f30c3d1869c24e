# Positive SFT: one epoch from the base, saving slices θ1..θn at equal fractions of it; one
# run per data-order seed (resistance.sft.per_seed: one per replicate seed).
rule finetune_slices:
    input:
        base=base_model,
        positive=rules.prepare_data.output.positive,
    output:
        run=directory("results/sft/{base}/{task}/seed-{seed}"),
    log:
        "logs/finetune_slices/{base}/{task}/seed-{seed}.log",
    benchmark:
        "benchmarks/finetune_slices/{base}/{task}/seed-{seed}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        mem_mb=memory("finetune_slices", 4000),
        runtime=120,
    params:
        template=task_template,
        base_dir=base_model_dir,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config["resistance"]["sft"]),
    script:
        "../scripts/finetune_slices.py"
