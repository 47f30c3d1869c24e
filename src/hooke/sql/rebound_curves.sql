-- Setting II curves: each score along the perturbation grid, mean and range over seeds.
-- aligned = examples of the aligning pole, perturbed = examples of the perturbing pole seen.
WITH runs AS (
    SELECT base, task, direction, aligner, algorithm, seed, metric, value,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           CASE WHEN direction = 'positive_first' THEN n_neg ELSE n_pos END AS perturbed
    FROM metrics
    WHERE setting = 'rebound' AND metric IN ('mean_p_positive', 'positive_share', 'kl_to_base')
)
SELECT base, task, direction, aligner, algorithm, aligned, perturbed, metric,
       avg(value) AS value,
       min(value) AS value_min,
       max(value) AS value_max,
       count(*) AS seeds
FROM runs
GROUP BY ALL
ORDER BY base, task, direction, aligner, algorithm, metric, aligned, perturbed
