-- The apparatus check's planted controls: what was planted, per base, task and seed — each
-- aligned model's gain over the base on the calibration texts (planted_gain, by volume) and
-- the planted time constant (planted_tau).
SELECT base, task, seed,
       CASE WHEN direction = 'positive_first' THEN n_pos ELSE n_neg END AS aligned,
       metric, value
FROM metrics
WHERE setting = 'control_planted_truth' AND metric IN ('planted_gain', 'planted_tau')
ORDER BY base, task, seed, aligned, metric
