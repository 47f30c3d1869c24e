-- Setting I loss curves: mean and spread over seeds of the training loss per step, per path.
SELECT base, task, slice_k, slice_l, path, step,
       avg(value) AS loss,
       min(value) AS loss_min,
       max(value) AS loss_max,
       count(*) AS seeds
FROM metrics
WHERE setting = 'resistance' AND metric = 'train_loss' AND path IS NOT NULL
GROUP BY ALL
ORDER BY base, task, slice_k, slice_l, path, step
