-- The compression law's neural testbed, per seed and k (base = 'k-<k>'): each set's bits per
-- token at the mixture's optimum (step 0), the gradient norms the fits reached (the start's, and
-- the worst over the continued fits), dR/dl at l = 0 on D_a and D_p and their ratio, whose slope
-- on ln k the theorem puts at 1 (hypotheses H6c, H6d).
WITH runs AS (
    SELECT seed, base,
           max(value) FILTER (metric = 'k') AS k,
           max(step) AS shares,
           max(value) FILTER (metric = 'share') AS largest_share,
           max(value) FILTER (metric = 'grad_norm' AND step = 0) AS grad_start,
           max(value) FILTER (metric = 'grad_norm') AS grad_worst,
           max(value) FILTER (metric = 'bits_aligned' AND step = 0) AS aligned_start,
           max(value) FILTER (metric = 'bits_pretrain' AND step = 0) AS pretrain_start,
           max(value) FILTER (metric = 'bits_perturbing' AND step = 0) AS perturbing_start,
           max(value) FILTER (metric = 'd_aligned') AS d_aligned,
           max(value) FILTER (metric = 'd_pretrain') AS d_pretrain
    FROM metrics
    WHERE setting = 'compression_law'
    GROUP BY seed, base
)
SELECT seed, k, shares, largest_share, grad_start, grad_worst,
       aligned_start, pretrain_start, perturbing_start, d_aligned, d_pretrain,
       d_aligned / nullif(d_pretrain, 0) AS ratio,
       d_aligned > 0 AND d_pretrain < 0 AS theorem_signs
FROM runs
ORDER BY seed, k
