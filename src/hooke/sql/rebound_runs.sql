-- Setting II, per run and seed (the replication unit of the verdicts): every readout at each
-- grid point. aligned = examples of the aligning pole, perturbed = perturbing examples seen;
-- the run's sizes (|D_a|, |D_p| in tokens) sit on its first grid point. $setting: rebound, or
-- rebound_control for the base control's runs (aligned = 0).
WITH runs AS (
    SELECT base, task, direction, aligner, algorithm, seed, metric, value,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           CASE WHEN direction = 'positive_first' THEN n_neg ELSE n_pos END AS perturbed
    FROM metrics
    WHERE setting = $setting AND item IS NULL
)
SELECT base, task, direction, aligner, algorithm, aligned, seed, perturbed,
       max(value) FILTER (metric = 'margin') AS margin,
       max(value) FILTER (metric = 'mean_p_positive') AS mean_p_positive,
       max(value) FILTER (metric = 'kl_to_base') AS kl_to_base,
       max(value) FILTER (metric = 'bpb_aligned') AS bpb_aligned,
       max(value) FILTER (metric = 'bpb_pretrain') AS bpb_pretrain,
       max(value) FILTER (metric = 'aligned_tokens') AS aligned_tokens,
       max(value) FILTER (metric = 'pretrain_tokens') AS pretrain_tokens
FROM runs
GROUP BY ALL
ORDER BY base, task, direction, aligner, algorithm, aligned, seed, perturbed
