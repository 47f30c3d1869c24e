-- Setting I, one row per (base, task, seed, pair): final and tail-mean training loss of
-- Path A (forward: theta_k trained on D_l) and Path B (inverse: theta_l trained on D_k).
-- Reads the view `metrics`; $tail is the fraction of last steps averaged.
WITH losses AS (
    SELECT base, task, seed, slice_k, slice_l, path, step, tokens_seen, value
    FROM metrics
    WHERE setting = 'resistance' AND metric = 'train_loss' AND path IS NOT NULL
),
per_path AS (
    SELECT base, task, seed, slice_k, slice_l, path,
           arg_max(value, step) AS final_loss,
           max(step) AS steps,
           max(tokens_seen) AS tokens_seen,
           list(value ORDER BY step) AS curve
    FROM losses
    GROUP BY ALL
),
with_tail AS (
    SELECT *,
           list_avg(curve[greatest(1, len(curve) - ceil(len(curve) * $tail)::INTEGER + 1):])
               AS tail_loss
    FROM per_path
)
SELECT base, task, seed, slice_k, slice_l,
       max(final_loss) FILTER (path = 'forward') AS forward_final,
       max(final_loss) FILTER (path = 'inverse') AS inverse_final,
       max(tail_loss) FILTER (path = 'forward') AS forward_tail,
       max(tail_loss) FILTER (path = 'inverse') AS inverse_tail,
       forward_final - inverse_final AS gap_final,
       forward_tail - inverse_tail AS gap_tail,
       inverse_final < forward_final AS inverse_lower,
       max(steps) FILTER (path = 'forward') AS forward_steps,
       max(steps) FILTER (path = 'inverse') AS inverse_steps,
       max(tokens_seen) FILTER (path = 'forward') AS forward_tokens,
       max(tokens_seen) FILTER (path = 'inverse') AS inverse_tokens
FROM with_tail
GROUP BY base, task, seed, slice_k, slice_l
ORDER BY base, task, slice_k, slice_l, seed
