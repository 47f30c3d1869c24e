-- Task score of each slice's harvested responses, per seed.
SELECT base, task, slice_k AS slice, seed,
       max(value) FILTER (metric = 'mean_p_positive') AS mean_p_positive,
       max(value) FILTER (metric = 'positive_share') AS positive_share
FROM metrics
WHERE setting = 'resistance' AND metric IN ('mean_p_positive', 'positive_share')
GROUP BY ALL
ORDER BY base, task, slice, seed
