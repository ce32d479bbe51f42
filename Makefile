# Two commands: `make test` and `make demo`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch is pinned here, before the project, so that pip takes the CPU build on disk
# instead of resolving a multi-GB CUDA build from the index.
TORCH_PIN := torch==2.13.0

.PHONY: test demo lint bench clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_PIN)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

test: $(VENV)/.installed
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(VENV)/.installed
	$(PY) benchmarks/optimizer_step.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
