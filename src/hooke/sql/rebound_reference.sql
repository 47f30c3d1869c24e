-- Setting II reference line: the base models' own task score, mean over seeds.
SELECT base, task,
       avg(value) FILTER (metric = 'mean_p_positive') AS mean_p_positive,
       avg(value) FILTER (metric = 'positive_share') AS positive_share,
       count(DISTINCT seed) AS seeds
FROM metrics
WHERE setting = 'rebound_base'
GROUP BY ALL
ORDER BY base, task
