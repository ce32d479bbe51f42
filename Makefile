# Two commands: `make test` and `make demo`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch is pinned here, before the project, so that pip takes the CPU build on disk
# instead of resolving a multi-GB CUDA build from the index.
TORCH_PIN := torch==2.13.0

.PHONY: test demo lint bench clean data services browser

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_PIN)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

test: $(VENV)/.installed data services browser
	$(PY) -m pytest -q

# The main job: a real optimizer comparison on the real Fashion-MNIST, ending in a report.
# Run it again to continue an interrupted demo; `rm -r demo` to start afresh.
DEMO := demo
demo: $(VENV)/.installed data
	mkdir -p $(DEMO)
	$(VENV)/bin/optbench run experiments/demo.yaml --db $(DEMO)/optbench.db
	$(VENV)/bin/optbench report --db $(DEMO)/optbench.db --out $(DEMO)/report
	@echo "The report: $(DEMO)/report/index.html (and $(DEMO)/report/summary.md)"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(VENV)/.installed
	$(PY) benchmarks/optimizer_step.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache

# Real data for the tests (Debian's Fashion-MNIST, the official files): installed when it is
# missing and we are root with apt-get; otherwise say how to get it (its tests then skip,
# or fail under CI).
FMNIST_DIR := /usr/share/datasets/fashion-mnist
data:
	@if [ -f $(FMNIST_DIR)/train-images-idx3-ubyte.gz ] && [ -f $(FMNIST_DIR)/t10k-labels-idx1-ubyte.gz ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist) \
			|| echo "make data: apt-get install dataset-fashion-mnist failed"; \
	else \
		echo "make data: Fashion-MNIST is not installed; as root: apt-get install dataset-fashion-mnist," \
			"or: optbench data fetch fashion_mnist"; \
	fi


# A real PostgreSQL server for the store's tests: Debian's postgresql, installed when missing
# and we are root with apt-get; tests/conftest.py starts its cluster and creates a database.
services:
	@if command -v pg_ctlcluster >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
			|| echo "make services: apt-get install postgresql failed"; \
	else \
		echo "make services: PostgreSQL is not installed; its tests skip (set" \
			"OPTBENCH_TEST_POSTGRES_URL to use a server elsewhere)"; \
	fi

# Headless Chromium for the report page's test (Debian's chromium): installed when missing and
# we are root with apt-get; otherwise that test skips (and fails under CI, where $CI is set).
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
			|| echo "make browser: apt-get install chromium failed"; \
	else \
		echo "make browser: chromium is not installed; as root: apt-get install chromium" \
			"(the report page's test skips without it)"; \
	fi
