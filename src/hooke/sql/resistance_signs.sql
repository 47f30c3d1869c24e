-- Setting I sign counts over cells (base, task, pair): how many side with the paper, by measure.
SELECT 'KL to target on held-back responses (primary)' AS measure, count(*) AS cells,
       count(*) FILTER (gap_kl_end > 0) AS cells_inverse_better
FROM cells
UNION ALL
SELECT 'final loss (paper)' AS measure, count(*) AS cells,
       count(*) FILTER (gap_final > 0) AS cells_inverse_better
FROM cells
UNION ALL
SELECT 'NLL after training', count(*), count(*) FILTER (gap_nll_end > 0) FROM cells
UNION ALL
SELECT 'excess loss after training', count(*), count(*) FILTER (gap_excess_end > 0) FROM cells
UNION ALL
SELECT 'loss reduction', count(*), count(*) FILTER (gap_reduction > 0) FROM cells
