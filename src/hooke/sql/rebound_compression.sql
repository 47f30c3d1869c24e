-- Setting II compression rates: bits per byte of each checkpoint on D_p (pre-training text),
-- D_a (the aligning data) and D_t (the perturbing data), mean over seeds.
WITH runs AS (
    SELECT base, task, direction, aligner, algorithm, seed, metric, value,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           CASE WHEN direction = 'positive_first' THEN n_neg ELSE n_pos END AS perturbed
    FROM metrics
    WHERE setting = 'rebound' AND metric IN ('bpb_pretrain', 'bpb_aligned', 'bpb_perturbing')
)
SELECT base, task, direction, aligner, algorithm, aligned, perturbed,
       avg(value) FILTER (metric = 'bpb_pretrain') AS bpb_pretrain,
       avg(value) FILTER (metric = 'bpb_aligned') AS bpb_aligned,
       avg(value) FILTER (metric = 'bpb_perturbing') AS bpb_perturbing,
       count(DISTINCT seed) AS seeds
FROM runs
GROUP BY ALL
ORDER BY base, task, direction, aligner, algorithm, aligned, perturbed
