-- Setting I, one row per (base, task, seed, pair k<l): Path A (forward: theta_k trained on
-- D_l) against Path B (inverse: theta_l trained on D_k).
--   final    the last step's training loss (the paper's measure)
--   tail     mean loss over the last $tail share of steps (less noisy)
--   nll_end  NLL of all training responses after training (eval mode, one pass)
--   excess   trainee NLL minus the generating slice's NLL on the same responses: a Monte-Carlo
--            KL(generator || trainee), free of how noisy each slice's samples are
--   kl       exact token-level KL(generating slice || trainee) on held-back responses (primary)
--   heldout_nll  the paper's final loss measured on a fixed held-back batch, not the last
--            training batch
-- gap_* = forward - inverse: positive when the inverse path ends lower, as the paper claims.
WITH losses AS (
    SELECT base, task, seed, slice_k, slice_l, path, step, tokens_seen, value
    FROM metrics
    WHERE setting = 'resistance' AND metric = 'train_loss' AND path IS NOT NULL
),
curves AS (
    SELECT base, task, seed, slice_k, slice_l, path,
           arg_max(value, step) AS final_loss,
           max(step) AS steps,
           max(tokens_seen) AS tokens_seen,
           list(value ORDER BY step) AS curve
    FROM losses
    GROUP BY ALL
),
measures AS (
    SELECT base, task, seed, slice_k, slice_l, path,
           max(value) FILTER (metric = 'nll_start') AS nll_start,
           max(value) FILTER (metric = 'nll_end') AS nll_end,
           max(value) FILTER (metric = 'excess_start') AS excess_start,
           max(value) FILTER (metric = 'excess_end') AS excess_end,
           max(value) FILTER (metric = 'loss_reduction') AS loss_reduction,
           max(value) FILTER (metric = 'kl_start') AS kl_start,
           max(value) FILTER (metric = 'kl_end') AS kl_end,
           max(value) FILTER (metric = 'kl_change') AS kl_change,
           max(value) FILTER (metric = 'heldout_nll_end') AS heldout_nll_end,
           max(value) FILTER (metric = 'heldout_excess_end') AS heldout_excess_end
    FROM metrics
    WHERE setting = 'resistance' AND path IS NOT NULL AND metric <> 'train_loss'
    GROUP BY ALL
),
per_path AS (
    SELECT c.*, m.* EXCLUDE (base, task, seed, slice_k, slice_l, path),
           list_avg(c.curve[greatest(1, len(c.curve) - ceil(len(c.curve) * $tail)::INTEGER + 1):])
               AS tail_loss
    FROM curves c
    LEFT JOIN measures m USING (base, task, seed, slice_k, slice_l, path)
)
SELECT base, task, seed, slice_k, slice_l,
       max(final_loss) FILTER (path = 'forward') AS forward_final,
       max(final_loss) FILTER (path = 'inverse') AS inverse_final,
       forward_final - inverse_final AS gap_final,
       inverse_final < forward_final AS inverse_lower,
       max(tail_loss) FILTER (path = 'forward') AS forward_tail,
       max(tail_loss) FILTER (path = 'inverse') AS inverse_tail,
       forward_tail - inverse_tail AS gap_tail,
       max(nll_start) FILTER (path = 'forward') AS forward_nll_start,
       max(nll_start) FILTER (path = 'inverse') AS inverse_nll_start,
       max(nll_end) FILTER (path = 'forward') AS forward_nll_end,
       max(nll_end) FILTER (path = 'inverse') AS inverse_nll_end,
       max(excess_start) FILTER (path = 'forward') AS forward_excess_start,
       max(excess_start) FILTER (path = 'inverse') AS inverse_excess_start,
       max(excess_end) FILTER (path = 'forward') AS forward_excess_end,
       max(excess_end) FILTER (path = 'inverse') AS inverse_excess_end,
       max(loss_reduction) FILTER (path = 'forward') AS forward_loss_reduction,
       max(loss_reduction) FILTER (path = 'inverse') AS inverse_loss_reduction,
       max(kl_start) FILTER (path = 'forward') AS forward_kl_start,
       max(kl_start) FILTER (path = 'inverse') AS inverse_kl_start,
       max(kl_end) FILTER (path = 'forward') AS forward_kl_end,
       max(kl_end) FILTER (path = 'inverse') AS inverse_kl_end,
       max(kl_change) FILTER (path = 'forward') AS forward_kl_change,
       max(kl_change) FILTER (path = 'inverse') AS inverse_kl_change,
       forward_kl_end - inverse_kl_end AS gap_kl_end,
       max(heldout_nll_end) FILTER (path = 'forward') AS forward_heldout_nll_end,
       max(heldout_nll_end) FILTER (path = 'inverse') AS inverse_heldout_nll_end,
       forward_heldout_nll_end - inverse_heldout_nll_end AS gap_heldout_nll_end,
       max(heldout_excess_end) FILTER (path = 'forward') AS forward_heldout_excess_end,
       max(heldout_excess_end) FILTER (path = 'inverse') AS inverse_heldout_excess_end,
       max(steps) FILTER (path = 'forward') AS forward_steps,
       max(steps) FILTER (path = 'inverse') AS inverse_steps,
       max(tokens_seen) FILTER (path = 'forward') AS forward_tokens,
       max(tokens_seen) FILTER (path = 'inverse') AS inverse_tokens
FROM per_path
GROUP BY base, task, seed, slice_k, slice_l
ORDER BY base, task, slice_k, slice_l, seed
