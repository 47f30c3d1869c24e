-- Setting I, one row per (base, task, pair): the per-seed table `resistance` averaged over
-- seeds (the paper's Table 1 cells, with their deconfounded companions).
SELECT base, task, slice_k, slice_l,
       count(*) AS seeds,
       avg(forward_final) AS forward_final,
       avg(inverse_final) AS inverse_final,
       avg(gap_final) AS gap_final,
       count(*) FILTER (inverse_lower) AS seeds_inverse_lower,
       avg(forward_tail) AS forward_tail,
       avg(inverse_tail) AS inverse_tail,
       avg(forward_nll_end) AS forward_nll_end,
       avg(inverse_nll_end) AS inverse_nll_end,
       avg(forward_excess_start) AS forward_excess_start,
       avg(inverse_excess_start) AS inverse_excess_start,
       avg(forward_excess_end) AS forward_excess_end,
       avg(inverse_excess_end) AS inverse_excess_end,
       avg(forward_loss_reduction) AS forward_loss_reduction,
       avg(inverse_loss_reduction) AS inverse_loss_reduction,
       avg(forward_kl_end) AS forward_kl_end,
       avg(inverse_kl_end) AS inverse_kl_end,
       avg(forward_heldout_nll_end) AS forward_heldout_nll_end,
       avg(inverse_heldout_nll_end) AS inverse_heldout_nll_end,
       avg(forward_kl_change) AS forward_kl_change,
       avg(inverse_kl_change) AS inverse_kl_change,
       avg(forward_tokens) AS tokens_per_path,
       avg(forward_steps) AS steps_per_path
FROM resistance
GROUP BY base, task, slice_k, slice_l
ORDER BY base, task, slice_k, slice_l
