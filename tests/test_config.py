"""Config validation: the shipped configs pass; bad ones fail with one line naming the key."""

from __future__ import annotations

import copy
import math
import re

import pytest
import yaml
from conftest import ROOT, load_test_config, snakemake

from hooke.config import check_config
from hooke.errors import HookeError

SCHEMA = ROOT / "config" / "schema.yaml"


def _rule_counts(stdout: str) -> dict[str, int]:
    """Jobs per rule from `snakemake -n --quiet rules` (and the total)."""
    rows = [line.split() for line in stdout.splitlines()]
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit()}


def test_shipped_configs_pass():
    shipped = ("config.yaml", "miniature.yaml", "paper.yaml", "gpu_smoke.yaml", "powered.yaml")
    for name in (*shipped, "real.yaml", "real_gemma.yaml"):
        check_config(yaml.safe_load((ROOT / "config" / name).read_text()), SCHEMA)
    check_config(load_test_config(), SCHEMA)
    # config/defences.yaml is an overlay on the miniature's config (make defences)
    merged = yaml.safe_load((ROOT / "config" / "miniature.yaml").read_text())
    merged["defences"].update(
        yaml.safe_load((ROOT / "config" / "defences.yaml").read_text())["defences"]
    )
    check_config(merged, SCHEMA)


def test_gpu_smoke_config_plans_every_stage(tmp_path):
    """config/gpu_smoke.yaml (scripts/gpu_smoke.sh) plans pre-training through Setting II."""
    from conftest import snakemake

    result = snakemake(
        tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config" / "gpu_smoke.yaml"
    )
    for rule in (
        "pretrain_slices",
        "finetune_slices",
        "harvest_responses",
        "finetune_inverse",
        "finetune_aligned",
        "finetune_perturbed",
        "score_rebound",
    ):
        assert rule in result.stdout


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda c: c["resistance"]["sft"].update(learning_rate="fast"),
            "config key 'resistance.sft.learning_rate': 'fast' is not of type 'number'",
        ),
        (
            lambda c: c["resistance"]["sft"].update(lr=0.1),
            "config: unknown key 'lr' under 'resistance.sft'",
        ),
        (lambda c: c.update(resistence={}), "config: unknown key 'resistence' under '(top level)'"),
        (
            lambda c: c["resistance"].update(bases=["nope"]),
            "config key 'resistance.bases': no base 'nope'",
        ),
        (
            lambda c: c["bases"]["micro-8k"].update(tokens=123),
            "config key 'bases.micro-8k.tokens': 123 is not among the slices of run 'micro'",
        ),
        (
            lambda c: c["bases"].update(
                {"bad name!": {"source": "local", "run": "micro", "tokens": 8192}}
            ),
            "config key 'bases'",
        ),
        (lambda c: c["bases"].update(hubby={"source": "hub"}), "'repo' is a required property"),
        (
            lambda c: c["resistance"].update(pairs=[[2, 1]]),
            "config key 'resistance.pairs': [2, 1] needs 1 <= k < l <= 3",
        ),
        (
            lambda c: c["resistance"]["sft"].update(fractions=[0.5, 0.2, 1.0]),
            "config key 'resistance.sft.fractions': needs 3 increasing values ending in 1",
        ),
        (
            lambda c: c["rebound"]["eval"].update(sample_at=[0, 12]),
            "config key 'rebound.eval.sample_at': 12 is not a point of rebound.grid",
        ),
        (
            lambda c: c["rebound"]["eval"].update(sample_at=[8, 16]),
            "config key 'rebound.eval.sample_at': needs 0",
        ),
        (
            lambda c: c["rebound"]["eval"].update(sample_at=[0, 16]),
            "config key 'rebound.eval.sample_at': needs two points up to rebound.early_examples",
        ),
        (
            lambda c: c["rebound"].update(aligners=["sft", "vaccin"]),
            "config key 'rebound.aligners': 'vaccin' is neither an engine, a defence nor a key "
            "of rebound.plugins (known: sft, dpo, kto, simpo, vaccine, repnoise, booster)",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft", "anchors"]}),
            "config key 'defences.methods': 'anchors' is neither an engine, a defence",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft"], "attacks": {"sft": {"lora": {}}}}),
            "config key 'defences.attacks.sft': 'sft' is an engine's name and runs "
            "rebound.perturb unchanged",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft"], "attacks": {"hot": {"beta": 1}}}),
            "config key 'defences.attacks.hot': needs its algorithm",
        ),
        (
            lambda c: c.update(defences={"methods": ["mix"], "attacks": {"grpo": {}}}),
            "config key 'defences.attacks.grpo': defence 'mix' cannot mix into grpo",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft"], "base": "nope"}),
            "config key 'defences.base': no base 'nope'",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft"], "task": "nope"}),
            "config key 'defences.task': no task 'nope'",
        ),
        (
            lambda c: c.update(defences={"methods": ["sft"], "volume": 10**6}),
            "config key 'defences.volume': 1000000 exceeds tasks.imdb.data.sizes.positive",
        ),
        (
            lambda c: c.update(defences={"booster": {"lamb": -1}}),
            "config key 'defences.booster.lamb': -1 is less than the minimum of 0",
        ),
        (
            lambda c: (c.pop("rebound"), c.update(defences={"methods": ["sft"]})),
            "config key 'defences.methods': the benchmark needs a rebound section",
        ),
        (
            lambda c: c["rebound"].update(plugins={"mine": {"factory": "no colon"}}),
            "config key 'rebound.plugins.mine.factory'",
        ),
    ],
)
def test_bad_config_names_the_key(edit, expected):
    config = copy.deepcopy(load_test_config())
    edit(config)
    with pytest.raises(HookeError) as info:
        check_config(config, SCHEMA)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_snakemake_reports_bad_key(tmp_path):
    config = load_test_config()
    config["resistance"]["harvest"]["temperature"] = "hot"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", configfile=path, check=False)
    assert result.returncode != 0
    # one line, not Snakemake's wrapper and a traceback
    lines = [line for line in result.stderr.splitlines() if "temperature" in line]
    assert lines == [
        "hooke: error: config key 'resistance.harvest.temperature': 'hot' is not of type 'number'"
    ]
    assert "Traceback" not in result.stderr and "HookeError in file" not in result.stderr
    assert not (tmp_path / "results").exists()


def _plan_default(tmp_path, *args):
    """A dry run of the repository's default config (no --configfile) with extra args."""
    from conftest import snakemake

    return snakemake(tmp_path, "-n", *args, configfile=None, check=False)


def test_config_overrides_apply_on_top_of_the_default_config(tmp_path):
    """--config alone keeps the default config (it used to replace it), merged key by key;
    the nested values Snakemake passes as strings are read by their schema types."""
    ok = _plan_default(tmp_path, "--config", "resistance={sft: {learning_rate: 0.002}}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "finetune_slices" in ok.stdout and "score_rebound" in ok.stdout
    bad = _plan_default(tmp_path, "--config", "score={threshold: fast}")
    assert bad.returncode != 0
    assert "config key 'score.threshold': 'fast' is not of type 'number'" in bad.stderr


def test_coerce_overrides_follows_the_schema():
    from conftest import ROOT

    from hooke.config import coerce_overrides

    schema = ROOT / "config" / "schema.yaml"
    config = {
        "score": {"threshold": "0.6"},
        "rebound": {"volumes": ["250", "1000"], "ablation_bases": "null"},
        "bases": {"hub": {"source": "hub", "repo": "r", "revision": "123456"}},
    }
    out = coerce_overrides(config, schema)
    assert out["score"]["threshold"] == 0.6
    assert out["rebound"]["volumes"] == [250, 1000] and out["rebound"]["ablation_bases"] is None
    assert out["bases"]["hub"]["revision"] == "123456"  # a string key stays a string


def test_sizes_beyond_their_pools_fail_before_any_job(tmp_path):
    config = load_test_config()
    config["rebound"]["volumes"] = [16, 100]  # the positive pool holds 64
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", configfile=path, check=False)
    assert result.returncode != 0
    assert (
        "hooke: error: config key 'rebound.volumes': 100 exceeds "
        "tasks.imdb.data.sizes.positive (64)" in result.stderr
    )


def test_download_target_holds_every_fetch_and_they_are_local_rules(tmp_path):
    from conftest import ROOT, snakemake

    result = snakemake(
        tmp_path, "download", "-n", "--quiet", "rules", configfile=ROOT / "config" / "paper.yaml"
    )
    counts = _rule_counts(result.stdout)
    assert counts == {
        "download_base": 18,  # the defences benchmark's LoRA base among them
        "prepare_data": 4,
        "train_scorer": 4,
        "download": 1,
        "total": 27,
    }
    snakefile = (ROOT / "Snakefile").read_text()
    assert "localrules:\n    prepare_data,\n    download_base,\n    train_scorer," in snakefile


def test_paper_config_plans_the_whole_paper_dag_offline(tmp_path):
    """config/paper.yaml: 27 Setting I cells x 3 seeds x 2 paths, Setting II on Llama-2-7B
    with every ablation, Setting III's sizes and token budgets; planned without network."""
    from conftest import ROOT, snakemake

    result = snakemake(
        tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config" / "paper.yaml"
    )
    counts = _rule_counts(result.stdout)
    assert counts["finetune_inverse"] == 3 * 3 * 3 * 3  # bases x tasks x seeds x pairs
    assert counts["finetune_slices"] == 9 and counts["harvest_responses"] == 81
    # Llama-2-7B: 2 tasks x 2 directions x 4 volumes x 4 algorithms; 14 other bases: main only
    # The defences benchmark on Llama-2-7B with LoRA: 6 methods x 3 attacks x 3 seeds, and
    # 4 aligned models per seed (anchor and mix perturb SFT's)
    assert counts["finetune_perturbed"] == 64 + 14 * 2 * 4 + 6 * 3 * 3
    assert counts["finetune_aligned"] == 16 + 14 * 2 * 4 + 4 * 3
    assert counts["download_base"] == 18 and counts["prepare_data"] == 4
    assert counts["rank_defences"] == counts["draw_defences"] == 1
    # with scorers, tables, verdicts, figures, the environment, the benchmark's base scores
    # ... and the theorem's exact check
    assert counts["total"] == 795 + 1 + 54 + 12 + 54 + 3 + 2 + 1


def test_conda_envs_pin_what_pyproject_pins():
    import re
    import tomllib

    from conftest import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    versions = dict(pin.split("==") for pin in pins)
    checked = 0
    for env in sorted((ROOT / "envs").glob("*.yaml")):
        spec = yaml.safe_load(env.read_text())
        pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
        for line in pip:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line)
            if match:
                name, version = match.groups()
                assert versions.get(name) == version, f"{env.name}: {name}=={version}"
                checked += 1
    assert checked >= 20


def test_setting_iii_axes_expand_the_rebound_dag(tmp_path):
    """The miniature's five bases (three sizes at 800k tokens, three budgets of one run):
    every base runs the main algorithm at every volume, the ablation base runs them all; the
    benchmark's slice adds Booster's aligned model and the runs of its methods that Setting
    II does not have (booster and anchor under SFT: sft under SFT is Setting II's)."""
    from conftest import ROOT, snakemake

    config = yaml.safe_load((ROOT / "config" / "miniature.yaml").read_text())
    setting = config["rebound"]
    result = snakemake(
        tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config" / "miniature.yaml"
    )
    counts = _rule_counts(result.stdout)
    bases, volumes = len(setting["bases"]), len(setting["volumes"])
    algorithms = len(setting["algorithms"])
    assert bases == 5 and setting["ablation_bases"] == ["tiny-800k"]
    assert counts["pretrain_slices"] == 3  # three runs; the budgets are slices of one
    methods, attacks = len(config["defences"]["methods"]), len(config["defences"]["attacks"])
    assert (methods, attacks) == (3, 1)
    assert counts["finetune_aligned"] == bases * volumes + 1
    assert counts["finetune_perturbed"] == volumes * (algorithms + (bases - 1)) + methods - 1
    assert counts["rank_defences"] == counts["draw_defences"] == 1
    assert counts["score_rebound"] == counts["finetune_perturbed"]
    assert counts["score_base"] == bases and counts["draw_scaling"] == 1


def test_powered_config_plans_its_design(tmp_path):
    """config/powered.yaml: three bases on the token axis, each a finished schedule; Setting I
    with an SFT run per seed; Setting II with the base control beside three volumes, for every
    seed; on the main base DPO, the distillation controls and 4x the learning rate, and the
    planted controls (a job per seed)."""
    from conftest import ROOT, snakemake

    config = yaml.safe_load((ROOT / "config" / "powered.yaml").read_text())
    setting, resistance = config["rebound"], config["resistance"]
    result = snakemake(
        tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config" / "powered.yaml"
    )
    counts = _rule_counts(result.stdout)
    seeds = len(resistance["seeds"])
    assert resistance["sft"]["per_seed"] and counts["finetune_slices"] == seeds
    assert counts["harvest_responses"] == seeds * resistance["sft"]["slices"]
    bases, volumes = len(setting["bases"]), len(setting["volumes"])
    runs = len(setting["seeds"]) * (volumes + 1)
    assert setting["controls"] == ["base", "distill", "planted"]
    assert counts["pretrain_slices"] == bases
    # the base control perturbs the base itself: no aligned model of its own
    assert counts["finetune_aligned"] == bases * len(setting["seeds"]) * volumes
    factors = len(setting["lr_factors"])
    distill = 2 * factors * runs  # distill_base and distill_self at every factor
    faster = (factors - 1) * runs  # SFT at 4x
    main = runs * (len(setting["algorithms"]) + bases - 1)
    assert counts["finetune_perturbed"] == main + distill + faster
    assert counts["plant_rebound"] == len(setting["seeds"])


@pytest.mark.parametrize("name", ["real.yaml", "real_gemma.yaml"])
def test_real_config_plans_its_design(tmp_path, name):
    """config/real.yaml and real_gemma.yaml: one GGUF base from its wheel or wheels (pinned,
    nothing pre-trained here); Setting I with an SFT run per seed; Setting II with the base
    control beside three volumes, each run also as both distillation controls, and the
    planted controls."""
    from conftest import ROOT, snakemake

    config = yaml.safe_load((ROOT / "config" / name).read_text())
    setting, resistance = config["rebound"], config["resistance"]
    (base,) = config["bases"].values()
    assert base["source"] == "gguf" and base["package"] and len(base["sha256"]) == 64
    # stated, not left to auto (which would pick chat): plain text, the reason beside it
    assert config["tasks"]["imdb"]["template"] == "continuation"
    result = snakemake(tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config" / name)
    counts = _rule_counts(result.stdout)
    seeds = len(setting["seeds"])
    assert "pretrain_slices" not in counts and counts["download_base"] == 1
    assert counts["finetune_slices"] == len(resistance["seeds"]) >= 2
    assert len(setting["volumes"]) >= 3 and seeds >= 2
    assert counts["finetune_aligned"] == seeds * len(setting["volumes"])
    assert counts["finetune_perturbed"] == 3 * seeds * (len(setting["volumes"]) + 1)
    assert counts["plant_rebound"] == seeds


def test_left_out_keys_take_their_schema_defaults():
    """A config holds only its differences: sections and keys left out are filled from the
    schema's defaults, and what a config states is kept."""
    from hooke.config import fill_defaults

    config = {
        "tasks": {"imdb": {"data": {"sizes": {"prompts": 500}}}},
        "bases": {"b": {"run": "r", "tokens": 100}},
        "pretrain": {"r": {"task": "imdb", "slices": [100]}},
        "resistance": {"bases": ["b"], "harvest": {"prompts": 40}},
        "rebound": {"bases": ["b"]},
    }
    filled = fill_defaults(copy.deepcopy(config), SCHEMA)
    check_config(copy.deepcopy(config), SCHEMA)  # a short config is a valid config
    data = filled["tasks"]["imdb"]["data"]
    assert data["sizes"] == {
        "pretrain": 8000,
        "positive": 2000,
        "negative": 2000,
        "prompts": 500,
        "scorer": 6000,
    }
    assert data["source"] == "bundled" and data["words"] == {"prompt": 8, "response": 40}
    assert filled["tasks"]["imdb"]["scorer"]["kind"] == "tfidf"
    assert filled["bases"]["b"]["source"] == "local" and filled["bases"]["b"]["lora"] is None
    assert filled["pretrain"]["r"]["architecture"]["model_type"] == "llama"
    assert filled["resistance"]["harvest"] == {
        "prompts": 40,
        "max_new_tokens": 48,
        "temperature": 1.0,
        "top_p": 1.0,
        "batch_size": 50,
        "backend": "hf",
    }
    assert filled["resistance"]["sft"]["slices"] == 3
    assert filled["rebound"]["grid"] == [0, 16, 32, 64, 128, 256, 400]
    assert filled["rebound"]["eval"]["prompts"] == 200
    assert "pairs" in filled["resistance"] and filled["resistance"]["pairs"] is None
    # Two entries of one map get their own copies of a default, not one shared object.
    two = fill_defaults({"tasks": {"a": {}, "b": {}}}, SCHEMA)
    two["tasks"]["a"]["data"]["sizes"]["prompts"] = 1
    assert two["tasks"]["b"]["data"]["sizes"]["prompts"] == 600


def test_gpu_smoke_config_holds_only_its_differences():
    """Every key config/gpu_smoke.yaml states differs from its schema default."""
    from hooke.config import fill_defaults

    stated = yaml.safe_load((ROOT / "config" / "gpu_smoke.yaml").read_text())
    filled = fill_defaults(copy.deepcopy(stated), SCHEMA)

    def leaves(node, path=()):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, (*path, key))
            else:
                yield (*path, key)

    for path in leaves(stated):
        shorter = copy.deepcopy(stated)
        node = shorter
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        assert fill_defaults(shorter, SCHEMA) != filled, f"{'.'.join(path)} repeats its default"


def test_the_config_check_and_the_schema_name_the_engines_hooke_has():
    """hooke.names keeps the light list of engines (the Snakefile checks config without
    importing pandas); it and every engine enum of the schema must be hooke.engines' table."""
    from hooke import engines, names

    table = {name: engines.ENGINES[name] for name in engines.PERTURBING}
    assert names.ENGINES == tuple(table)
    assert names.ALIGNING_ENGINES == tuple(n for n, e in table.items() if not e.needs_reward)

    def enums(node):
        if isinstance(node, dict):
            if "grpo" in (node.get("enum") or []):
                yield node["enum"]
            for child in node.values():
                yield from enums(child)
        elif isinstance(node, list):
            for child in node:
                yield from enums(child)

    found = list(enums(yaml.safe_load(SCHEMA.read_text())))
    assert len(found) >= 3 and all(enum == list(table) for enum in found)


def _numeric_keys(node, root, path=()):
    """Every key of the schema whose value is a number (through $refs, into mappings that
    the default config fills), as a path."""
    from hooke.config import _resolve

    node = _resolve(node, root)
    kinds = node.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if {"number", "integer"} & set(kinds):
        yield path
    for key, sub in node.get("properties", {}).items():
        yield from _numeric_keys(sub, root, (*path, key))


def test_every_numeric_key_refuses_nan_and_infinity():
    """JSON Schema's bounds are false for NaN: without the finite check `.nan` passes
    `minimum: 0`. Every numeric key of every fixed section, with NaN, +inf and -inf, fails in
    one line naming it."""
    import copy

    from hooke.config import load_schema

    schema = load_schema(SCHEMA)
    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    from hooke.config import fill_defaults

    fill_defaults(base, SCHEMA)
    swept = 0
    for path in _numeric_keys(schema, schema):
        node = base
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue  # a section this config does not hold
        for bad in (math.nan, math.inf, -math.inf):
            config = copy.deepcopy(base)
            target = config
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = bad
            with pytest.raises(HookeError, match=rf"config key '{re.escape('.'.join(path))}'"):
                check_config(config, SCHEMA)
        swept += 1
    assert swept >= 60
    nested = copy.deepcopy(base)
    nested["pretrain"]["demo"]["learning_rate"] = math.nan  # under a mapping of runs too
    with pytest.raises(HookeError, match="'pretrain.demo.learning_rate': nan is not a finite"):
        check_config(nested, SCHEMA)


def test_sets_are_sorted_before_any_rule_reads_them():
    """Grid, volumes and seeds are sets; algorithms keep their order (the first is special)."""
    from hooke.config import canonical_sets

    config = {"rebound": {"grid": [0, 16, 8], "volumes": [32, 16], "algorithms": ["dpo", "sft"]}}
    canonical_sets(config)
    assert config["rebound"] == {
        "grid": [0, 8, 16],
        "volumes": [16, 32],
        "algorithms": ["dpo", "sft"],
    }


def test_inverse_steps_that_need_more_responses_than_the_harvest_leaves_are_refused():
    """Each inverse path trains on `steps` batches of the responses not held back for its
    evaluation: a harvest too small for that stops the config check, not a job hours in
    (the first real-model run met it in finetune_inverse after 2 hours)."""
    from hooke.config import fill_defaults

    config = fill_defaults(load_test_config(), SCHEMA)
    inverse, prompts = config["resistance"]["inverse"], config["resistance"]["harvest"]["prompts"]
    inverse.update(steps=1, batch_size=prompts - 4, eval_prompts=5)  # needs 1 more than left
    with pytest.raises(HookeError, match=r"resistance\.inverse\.steps.*leaves"):
        check_config(copy.deepcopy(config), SCHEMA)
    inverse["eval_prompts"] = 4
    check_config(config, SCHEMA)


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "no such file"),
        ("", "is empty"),
        ("- tasks\n- bases\n", "holds a list, not a mapping"),
        ("tasks: [unclosed\n", "not valid YAML at line 2"),
        (b"\xff\xfe\x00", "cannot be read"),
    ],
)
def test_a_config_file_that_is_not_a_config_is_one_line_naming_it(tmp_path, content, expected):
    """What Snakemake's reader gives a traceback for (a missing --configfile) or a line
    without the file's name (an empty file, a list): hooke.configfile's one line, from
    `make plan` and `python -m hooke.configfile` alike."""
    import subprocess
    import sys

    from hooke.configfile import read_configfile

    path = tmp_path / "mine.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(HookeError, match=f"config file '{re.escape(str(path))}': {expected}"):
        read_configfile(path)
    done = subprocess.run(
        [sys.executable, "-m", "hooke.plan", "--configfile", str(path)],
        capture_output=True,
        text=True,
    )
    (line,) = done.stderr.strip().splitlines()  # one line, no traceback
    assert done.returncode == 1 and line.startswith(f"hooke: error: config file '{path}': ")
    assert expected in line
