# The dev loop. Every target sets up .venv itself, so each works on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-compare-setup lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m ruff check src tests bench examples
	$(PY) -m mypy
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check src tests bench examples
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# Optional comparisons for `make bench`: wandb and trackio in their own venvs.
bench-compare-setup:
	test -x bench/.venv-wandb/bin/python || $(PYTHON) -m venv bench/.venv-wandb
	bench/.venv-wandb/bin/pip install --quiet 'wandb==0.31.*'
	test -x bench/.venv-trackio/bin/python || $(PYTHON) -m venv bench/.venv-trackio
	bench/.venv-trackio/bin/pip install --quiet 'trackio==0.43.*'
