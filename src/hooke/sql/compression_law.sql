-- The compression law's synthetic testbed, per seed and k (base = 'k-<k>'): bits per token on
-- held-out text of D_a and D_p before (step 0) and after the perturbation with D_t, their
-- changes, and the ratio whose slope on ln k the theorem puts at 1 (hypothesis H6c).
WITH runs AS (
    SELECT seed, base,
           max(value) FILTER (metric = 'k') AS k,
           max(step) AS steps,
           arg_min(value, step) FILTER (metric = 'bits_aligned') AS aligned_start,
           arg_max(value, step) FILTER (metric = 'bits_aligned') AS aligned_end,
           arg_min(value, step) FILTER (metric = 'bits_pretrain') AS pretrain_start,
           arg_max(value, step) FILTER (metric = 'bits_pretrain') AS pretrain_end,
           arg_min(value, step) FILTER (metric = 'bits_perturbing') AS perturbing_start,
           arg_max(value, step) FILTER (metric = 'bits_perturbing') AS perturbing_end
    FROM metrics
    WHERE setting = 'compression_law'
    GROUP BY seed, base
)
SELECT seed, k, steps, aligned_start, aligned_end, pretrain_start, pretrain_end,
       perturbing_start, perturbing_end,
       aligned_end - aligned_start AS delta_aligned,
       pretrain_end - pretrain_start AS delta_pretrain,
       (aligned_end - aligned_start) / nullif(pretrain_end - pretrain_start, 0) AS ratio
FROM runs
ORDER BY seed, k
