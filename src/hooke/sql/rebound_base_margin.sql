-- Setting II reference of the likelihood readout: each base model's margin toward the
-- positive pole (bpb on held-out negative minus positive continuations), per seed: a seed's
-- runs read the texts of its own draw (rebound.draw: per_seed), and so does its base.
SELECT base, task, seed, avg(value) AS margin_positive
FROM metrics
WHERE setting = 'rebound_base' AND metric = 'margin_positive'
GROUP BY ALL
ORDER BY base, task, seed
