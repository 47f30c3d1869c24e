-- The balanced control (rebound.controls: balanced): each aligned model fine-tuned on both
-- poles in turn, format-matched. Per base, task and aligning volume (mean over seeds): the
-- margin after alignment and at the grid's end (where it rests with no pull toward either
-- pole), and the KL to the base at the last sampled point (the floor a perturbation toward
-- one pole is read against).
WITH runs AS (
    SELECT base, task, direction, aligner, seed, metric, value,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           CASE WHEN direction = 'positive_first' THEN n_neg ELSE n_pos END AS seen
    FROM metrics
    WHERE setting = 'rebound_balanced' AND item IS NULL AND metric IN ('margin', 'kl_to_base')
),
ends AS (
    SELECT base, task, direction, aligner, aligned, seed,
           arg_min(value, seen) FILTER (metric = 'margin') AS margin_aligned,
           arg_max(value, seen) FILTER (metric = 'margin') AS margin_rest,
           arg_max(value, seen) FILTER (metric = 'kl_to_base') AS kl_floor,
           max(seen) AS seen
    FROM runs
    GROUP BY ALL
)
SELECT base, task, direction, aligner, aligned,
       avg(margin_aligned) AS margin_aligned,
       avg(margin_rest) AS margin_rest,
       avg(margin_rest - margin_aligned) AS margin_change,
       avg(kl_floor) AS kl_floor,
       max(seen) AS examples_seen,
       count(*) AS seeds
FROM ends
GROUP BY ALL
ORDER BY base, task, direction, aligner, aligned
