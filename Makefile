# Two commands do everything on a fresh machine:  make demo  |  make test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.partita-installed

.PHONY: demo test setup lint bench clean partita-small

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# The CPU wheel of torch first, so nothing that depends on torch pulls a CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[test,bench]"
	# basic-pitch (audio transcription) without its TensorFlow pin: partita runs its ONNX model
	$(PIP) install -q --no-deps "basic-pitch>=0.4"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/partita demo

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/pytest -n 2 -q --timeout 600

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

# Retrain the shipped default model from scratch (hours on 2 cores; resumable).
partita-small: $(STAMP)
	bash scripts/train-partita-small.sh

bench: $(STAMP)
	$(VENV)/bin/python -m bench --quick

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
