-- Setting III's axes: each base's parameter count (counted when it was scored) and its
-- pre-training tokens (a local slice's budget, or a hub base's `tokens` tag; NULL if untagged).
SELECT base,
       max(value) FILTER (metric = 'model_params') AS params,
       max(value) FILTER (metric = 'pretrain_tokens') AS tokens
FROM metrics
WHERE setting = 'rebound_base' AND metric IN ('model_params', 'pretrain_tokens')
GROUP BY ALL
ORDER BY params, tokens, base
