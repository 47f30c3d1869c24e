-- Setting II reference of the likelihood readout: each base model's margin toward the
-- positive pole (bpb on held-out negative minus positive continuations), mean over seeds.
SELECT base, task, avg(value) AS margin_positive
FROM metrics
WHERE setting = 'rebound_base' AND metric = 'margin_positive'
GROUP BY ALL
ORDER BY base, task
