# The compression law's synthetic testbed (H6c): per seed, every k of config compression_law.


rule fit_compression_law:
    output:
        metrics="results/compression_law/seed-{seed}.parquet",
    log:
        "logs/fit_compression_law/seed-{seed}.log",
    benchmark:
        "benchmarks/fit_compression_law/seed-{seed}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=canonical(config.get("compression_law") or {}),
    script:
        "../scripts/fit_compression_law.py"


# The compression theorem checked exactly on the paper's own model of data (a Pareto token
# tree, Huffman and entropy-bound codes of the sets' mixture; hooke.theorem): no network.
rule check_theorem:
    output:
        **table_outputs(
            "Compression law", "theorem", "theorem_fit", unreported=("theorem",)
        ),
        **figure_outputs("Compression law", "theorem_law"),
    log:
        "logs/check_theorem/check_theorem.log",
    benchmark:
        "benchmarks/check_theorem/check_theorem.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=canonical(config.get("theorem") or {}),
    script:
        "../scripts/check_theorem.py"
