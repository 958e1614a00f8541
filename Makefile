# Developer entry points. Needs only Python 3.11, Node 20 (npm) and make.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.stamp-requirements
NPM_STAMP := node_modules/.stamp-package-lock
# The infrastructure checks get their own venv: checkov's many dependencies must not meet the app's pins.
INFRA_VENV := .venv-infra
INFRA_PY := $(INFRA_VENV)/bin/python
INFRA_STAMP := $(INFRA_VENV)/.stamp-requirements
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard shared functions devhost function_app.py tests bench)

.DEFAULT_GOAL := help
.PHONY: help install browser run test lint infra-check bench bench-quick clean

help:
	@echo "make install  create .venv and node_modules (only when requirements change)"
	@echo "make run      start Azurite (unless one is running) and the app on http://localhost:7071"
	@echo "make test     lint, infra-check, then the tests against a private in-memory Azurite (PYTEST_ARGS=... to narrow)"
	@echo "make browser  install Debian's chromium for the console's browser test, when none is installed"
	@echo "make lint     ruff check, ruff format --check, strict mypy over the app, devhost, tests and bench"
	@echo "make infra-check  parse infra/*.bicep, check main.parameters.json, run checkov (own venv .venv-infra)"
	@echo "make bench    run the benchmarks against a private Azurite (results and targets in bench/RESULTS.md)"
	@echo "make bench-quick  the same with a fifth of the requests"
	@echo "make clean    remove caches and scratch output"

install: $(PIP_STAMP) $(NPM_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# npm keeps its own record of what it installed (node_modules/.package-lock.json); when that is
# newer than package-lock.json the tree is current and a reinstall would only cost time.
$(NPM_STAMP): package.json package-lock.json
	@if [ -x node_modules/.bin/azurite ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then \
		echo "node_modules is up to date with package-lock.json"; \
	else \
		npm ci --no-audit --no-fund; \
	fi
	@touch $@

$(INFRA_PY):
	$(PYTHON) -m venv $(INFRA_VENV)

$(INFRA_STAMP): infra/requirements-check.txt | $(INFRA_PY)
	$(INFRA_PY) -m pip install --quiet -r infra/requirements-check.txt
	@touch $@

local.settings.json:
	cp local.settings.json.example $@
	@echo "Created local.settings.json from local.settings.json.example (edit it for your machine)."

run: install local.settings.json
	$(PY) -m devhost.azurite run --ports default -- $(PY) -m devhost --port 7071

test: install lint infra-check browser
	$(PY) -m devhost.azurite run --ports free -- $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The console's browser test drives a Chromium: Debian's package is installed when none is found.
# Where none can be installed, the test is skipped with one line saying why.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
		|| [ -n "$$CHROMIUM_PATH" ]; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "make browser: no apt-get here; the console's browser test will be skipped"; \
	else \
		if [ "$$(id -u)" = 0 ]; then as_root=""; else as_root="sudo -n"; fi; \
		echo "make browser: installing Debian's chromium for the console's browser test"; \
		$$as_root apt-get install -y -q chromium >/dev/null 2>&1 \
			|| { $$as_root apt-get update -q >/dev/null 2>&1 && $$as_root apt-get install -y -q chromium >/dev/null 2>&1; } \
			|| echo "make browser: chromium could not be installed; the console's browser test will be skipped"; \
	fi

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy $(LINT_PATHS)

# --skip-download: the scan needs nothing from the checkov vendor's service, and works offline.
infra-check: $(INFRA_STAMP)
	$(INFRA_PY) infra/check_bicep.py
	$(INFRA_VENV)/bin/checkov --directory infra --framework bicep --skip-download --compact --quiet

bench: install
	@test -f bench/__main__.py || { echo "make bench: bench/__main__.py does not exist yet" >&2; exit 1; }
	$(PY) -m devhost.azurite run --ports free -- $(PY) -m bench

bench-quick: install
	BENCH_QUICK=1 $(PY) -m devhost.azurite run --ports free -- $(PY) -m bench

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis .azurite bench/out $(INFRA_VENV)
	find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 \
		| xargs -0 rm -rf
