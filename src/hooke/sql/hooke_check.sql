-- The paper's Hooke's-law check, per run: as the perturbation grows from the aligned model
-- (grid point 0) to the last grid point, the change of the compression rate on D_a and on D_p,
-- their ratio, and k = |D_p| / |D_a| in tokens. The theory predicts |delta_a / delta_p| of
-- order k, with opposite signs (D_a worsens, D_p improves). Reads the view `compression`.
WITH ends AS (
    SELECT base, task, direction, aligner, algorithm, aligned,
           arg_min(bpb_aligned, perturbed) AS bpb_aligned_start,
           arg_max(bpb_aligned, perturbed) AS bpb_aligned_end,
           arg_min(bpb_pretrain, perturbed) AS bpb_pretrain_start,
           arg_max(bpb_pretrain, perturbed) AS bpb_pretrain_end,
           max(perturbed) AS perturbed
    FROM compression
    GROUP BY ALL
),
sizes AS (
    SELECT base, task, direction, aligner, algorithm,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           avg(value) FILTER (metric = 'aligned_tokens') AS aligned_tokens,
           avg(value) FILTER (metric = 'pretrain_tokens') AS pretrain_tokens
    FROM metrics
    WHERE setting = 'rebound' AND metric IN ('aligned_tokens', 'pretrain_tokens')
    GROUP BY ALL
)
SELECT e.base, e.task, e.direction, e.aligner, e.algorithm, e.aligned, e.perturbed,
       e.bpb_aligned_end - e.bpb_aligned_start AS delta_aligned,
       e.bpb_pretrain_end - e.bpb_pretrain_start AS delta_pretrain,
       (e.bpb_aligned_end - e.bpb_aligned_start)
           / nullif(e.bpb_pretrain_end - e.bpb_pretrain_start, 0) AS ratio,
       s.pretrain_tokens / s.aligned_tokens AS k,
       s.aligned_tokens, s.pretrain_tokens
FROM ends e
LEFT JOIN sizes s USING (base, task, direction, aligner, algorithm, aligned)
ORDER BY e.base, e.task, e.direction, e.aligner, e.algorithm, e.aligned
