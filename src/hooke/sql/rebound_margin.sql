-- Setting II's primary readout along the grid: the likelihood margin (bits per byte on the
-- perturbing pole's held-out continuations minus the aligning pole's; sign toward the aligning
-- pole), mean, standard error and range over seeds, per run family; the base control's runs
-- (setting rebound_control, aligned = 0) beside the aligned ones, and the balanced control's
-- (setting rebound_balanced, algorithm balanced: both poles in turn).
WITH runs AS (
    SELECT base, task, direction, aligner, algorithm, seed, value,
           setting = 'rebound_control' AS control,
           CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
           CASE WHEN direction = 'positive_first' THEN n_neg ELSE n_pos END AS perturbed
    FROM metrics
    WHERE setting IN ('rebound', 'rebound_control', 'rebound_balanced') AND metric = 'margin' AND item IS NULL
)
SELECT base, task, direction, aligner, algorithm, aligned, control, perturbed,
       avg(value) AS margin,
       stddev_samp(value) / sqrt(count(*)) AS margin_se,
       min(value) AS margin_min,
       max(value) AS margin_max,
       count(*) AS seeds
FROM runs
GROUP BY ALL
ORDER BY base, task, direction, aligner, algorithm, aligned, perturbed
