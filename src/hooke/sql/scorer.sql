-- The scorers' held-out figures, one row per task.
SELECT task,
       max(value) FILTER (metric = 'heldout_accuracy') AS heldout_accuracy,
       max(value) FILTER (metric = 'heldout_size')::BIGINT AS heldout_size,
       max(value) FILTER (metric = 'train_size')::BIGINT AS train_size
FROM metrics
WHERE setting = 'scorer'
GROUP BY task
ORDER BY task
