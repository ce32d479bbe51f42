# Two commands: `make test` and `make demo`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch is pinned here, before the project, so that pip takes the CPU build on disk
# instead of resolving a multi-GB CUDA build from the index.
TORCH_PIN := torch==2.13.0

.PHONY: test demo lint bench clean data system

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_PIN)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

test: $(VENV)/.installed system
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

# What optbench needs from Debian, as package:file-that-shows-it-is-there. Installed with one
# apt-get call when missing and we are root with apt-get; otherwise a line says how to get it
# (the tests that need it then skip, or fail under CI where $$CI is set).
# - Fashion-MNIST, the official files (the demo and the workload tests);
# - a PostgreSQL server (the store's tests; tests/conftest.py starts its cluster);
# - headless Chromium (the report page's test).
FMNIST := dataset-fashion-mnist:/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
POSTGRES := postgresql:/usr/bin/pg_ctlcluster
CHROMIUM := chromium:/usr/bin/chromium

define install_missing
	@missing=""; \
	for item in $(1); do [ -e "$${item#*:}" ] || missing="$$missing $${item%%:*}"; done; \
	if [ -z "$$missing" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
			|| echo "apt-get install$$missing failed"; \
	else \
		echo "missing:$$missing; as root: apt-get install$$missing" \
			"(Fashion-MNIST also: optbench data fetch fashion_mnist)"; \
	fi
endef

data:
	$(call install_missing,$(FMNIST))

system:
	$(call install_missing,$(FMNIST) $(POSTGRES) $(CHROMIUM))
