# The apparatus check's planted controls: models on the line from each aligned model to its
# base, placed so that the real readout follows a curve whose truth is known (hooke.planted).
# The distillation controls are Setting II runs (rebound.controls: distill).


# Planted rebounds of one base and seed: every case, every aligned volume and the base control.
rule plant_rebound:
    input:
        unpack(planted_inputs),
        prompts=rules.prepare_data.output.prompts,
        heldout=pretrain_texts,
    output:
        metrics="results/controls/planted/{base}/{task}/seed-{seed}.parquet",
    log:
        "logs/plant_rebound/{base}/{task}/seed-{seed}.log",
    benchmark:
        "benchmarks/plant_rebound/{base}/{task}/seed-{seed}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=memory("plant_rebound", 4000),
        runtime=60,
    params:
        template=task_template,
        base_dir=base_model_dir,
        aligned=planted_models,
        trust_remote_code=trust_remote_code,
        grid=config.get("rebound", {}).get("grid", []),
        eval=readout_eval,
        planted=canonical(config.get("controls", {}).get("planted", {})),
        direction=grid.first_arm(config)["direction"],
        aligner=grid.first_arm(config)["aligner"],
    script:
        "../scripts/plant_rebound.py"
