-- Setting I, per held-back prompt: the paired forward - inverse difference of the exact
-- KL(target slice || trainee) after training, and of the held-back NLL, per (seed, pair).
-- Both paths hold back the responses to the same last prompts, so prompt_index pairs them.
-- Positive values side with the paper (the inverse path ends closer to its target).
SELECT f.base, f.task, f.seed, f.slice_k, f.slice_l, f.prompt_index,
       f.kl_end - i.kl_end AS gap_kl_end,
       (f.nll_end - f.gen_nll) - (i.nll_end - i.gen_nll) AS gap_heldout_excess_end
FROM examples f
JOIN examples i USING (base, task, seed, slice_k, slice_l, prompt_index, split)
WHERE f.path = 'forward' AND i.path = 'inverse' AND f.split = 'heldout'
ORDER BY f.base, f.task, f.slice_k, f.slice_l, f.seed, f.prompt_index
