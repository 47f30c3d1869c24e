-- Task score of each slice's harvested responses, per seed, with the share of responses
-- whose bytes were not valid UTF-8 (scored as decoded; Setting I trains on their token ids).
SELECT base, task, slice_k AS slice, seed,
       max(value) FILTER (metric = 'mean_p_positive') AS mean_p_positive,
       max(value) FILTER (metric = 'positive_share') AS positive_share,
       max(value) FILTER (metric = 'invalid_utf8_share') AS invalid_utf8_share
FROM metrics
WHERE setting = 'resistance'
  AND metric IN ('mean_p_positive', 'positive_share', 'invalid_utf8_share')
GROUP BY ALL
ORDER BY base, task, slice, seed
