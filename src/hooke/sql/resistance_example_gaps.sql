-- Setting I, per prompt: the paired forward - inverse differences of one (seed, pair) cell.
-- Both paths trained on responses to the same prompts (in the same order), so prompt_index
-- pairs them. Positive values side with the paper (the inverse path fits better).
SELECT f.base, f.task, f.seed, f.slice_k, f.slice_l, f.prompt_index,
       f.nll_end - i.nll_end AS gap_nll_end,
       (f.nll_end - f.gen_nll) - (i.nll_end - i.gen_nll) AS gap_excess_end,
       (i.nll_start - i.nll_end) - (f.nll_start - f.nll_end) AS gap_reduction
FROM examples f
JOIN examples i USING (base, task, seed, slice_k, slice_l, prompt_index, split)
WHERE f.path = 'forward' AND i.path = 'inverse' AND f.split = 'train'
ORDER BY f.base, f.task, f.slice_k, f.slice_l, f.seed, f.prompt_index
