# The dev loop. Every target sets up what it needs itself, so each works on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The differential tests (tests/oracle) run user scripts under the real wandb, offline, in
# its own venv; the same venv runs cairn from src/ under numpy 1.x.
WANDB_VENV := .venv-wandb
WANDB_STAMP := $(WANDB_VENV)/.installed
# The integration tests (tests/integrations) train tiny models with real libraries that say
# `import wandb` (Lightning, transformers, accelerate, ...) in their own venv, where
# `cairn compat install` (run by the tests) makes that import resolve to cairn from src/.
INTEGRATIONS_VENV := .venv-integrations
INTEGRATIONS_STAMP := $(INTEGRATIONS_VENV)/.installed
UI_DIR := src/cairn/ui
UI_BUILT := $(UI_DIR)/dist/index.html
UI_SOURCES := $(shell find $(UI_DIR)/src $(UI_DIR)/index.html $(UI_DIR)/vite.config.ts \
                $(UI_DIR)/tsconfig.json -type f 2>/dev/null)

.PHONY: demo test bench bench-compare bench-compare-setup lint ui clean oracle integrations

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# wandb, numpy < 2, and cairn's runtime dependencies (read from pyproject.toml) plus Pillow
# for media; cairn itself is not installed there: the tests put src/ on PYTHONPATH.
$(WANDB_STAMP): pyproject.toml
	test -x $(WANDB_VENV)/bin/python || $(PYTHON) -m venv $(WANDB_VENV)
	$(WANDB_VENV)/bin/python -m pip install --quiet 'wandb==0.31.*' 'numpy<2' \
	  $$($(WANDB_VENV)/bin/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', \
	  'rb'))['project']; print(' '.join(p['dependencies'] + \
	  p['optional-dependencies']['media']))")
	touch $(WANDB_STAMP)

oracle: $(WANDB_STAMP)

# PyTorch from its CPU-only index when that is reachable (a fraction of the CUDA wheel's
# size), else from PyPI; then the libraries, and cairn's runtime dependencies.
$(INTEGRATIONS_STAMP): pyproject.toml tests/integrations/requirements.txt
	test -x $(INTEGRATIONS_VENV)/bin/python || $(PYTHON) -m venv $(INTEGRATIONS_VENV)
	$(INTEGRATIONS_VENV)/bin/python -m pip install --quiet --retries 0 --timeout 10 torch \
	  --index-url https://download.pytorch.org/whl/cpu \
	  || $(INTEGRATIONS_VENV)/bin/python -m pip install --quiet torch
	$(INTEGRATIONS_VENV)/bin/python -m pip install --quiet -r tests/integrations/requirements.txt \
	  $$($(INTEGRATIONS_VENV)/bin/python -c "import tomllib; \
	  print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))")
	touch $(INTEGRATIONS_STAMP)

integrations: $(INTEGRATIONS_STAMP)

# The web app: built from source (npm, locked) into the package; running it needs no Node.
$(UI_DIR)/node_modules/.package-lock.json: $(UI_DIR)/package-lock.json
	cd $(UI_DIR) && npm ci --no-audit --no-fund --loglevel=error

$(UI_BUILT): $(UI_DIR)/node_modules/.package-lock.json $(UI_SOURCES)
	cd $(UI_DIR) && npm run build

ui: $(UI_BUILT)

demo: $(STAMP) ui
	$(PY) examples/demo.py
	$(VENV)/bin/cairn ui

test: $(STAMP) $(WANDB_STAMP) $(INTEGRATIONS_STAMP) ui
	$(PY) -m ruff check src tests bench examples
	$(PY) -m mypy
	cd $(UI_DIR) && npm test
	$(PY) -m pytest -q

# Bytecode is compiled first: W1 measures an import as users get it (pip compiles on
# install), not a first import that compiles every module.
bench: $(STAMP) ui
	$(PY) -m compileall -q src/cairn
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check src tests bench examples
	$(PY) -m mypy

# cairn, wandb (offline) and trackio through W1, W2, W3 and W5 in one run: the ratio table
# with the spread of the repeats (bench/compare.py).
bench-compare: $(STAMP) bench-compare-setup
	$(PY) -m compileall -q src/cairn
	$(PY) -m bench --only compare --out bench/results/compare.json

# Optional comparisons for `make bench`: wandb, trackio and MLflow's tracking server (with
# psycopg2 for its PostgreSQL store) in their own venvs.
bench-compare-setup:
	test -x bench/.venv-wandb/bin/python || $(PYTHON) -m venv bench/.venv-wandb
	bench/.venv-wandb/bin/pip install --quiet 'wandb==0.31.*'
	test -x bench/.venv-trackio/bin/python || $(PYTHON) -m venv bench/.venv-trackio
	bench/.venv-trackio/bin/pip install --quiet 'trackio==0.43.*'
	test -x bench/.venv-mlflow/bin/python || $(PYTHON) -m venv bench/.venv-mlflow
	bench/.venv-mlflow/bin/pip install --quiet 'mlflow>=3.17,<3.19' psycopg2-binary

clean:
	rm -rf $(VENV) $(WANDB_VENV) $(INTEGRATIONS_VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache \
	       $(UI_DIR)/node_modules $(UI_DIR)/dist
