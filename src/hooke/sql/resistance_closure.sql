-- Setting I, per held-back prompt: what training did to each path's exact KL(target slice ||
-- trainee), before (kl_start) and after (kl_end), forward and inverse side by side, per
-- (seed, pair). Both paths hold back the responses to the same last prompts, so
-- prompt_index pairs them. H1 reads the share of the starting KL each path closed.
SELECT f.base, f.task, f.seed, f.slice_k, f.slice_l, f.prompt_index,
       f.kl_start AS forward_kl_start, f.kl_end AS forward_kl_end,
       i.kl_start AS inverse_kl_start, i.kl_end AS inverse_kl_end
FROM examples f
JOIN examples i USING (base, task, seed, slice_k, slice_l, prompt_index, split)
WHERE f.path = 'forward' AND i.path = 'inverse' AND f.split = 'heldout'
ORDER BY f.base, f.task, f.slice_k, f.slice_l, f.seed, f.prompt_index
