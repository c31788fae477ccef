# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
# pytest-xdist: one worker per core (each with its own PostgreSQL database and Redis db)
PYTEST_ARGS ?= -n auto

.PHONY: run install test test-deps system-deps js-deps lint typecheck jscheck jstest pytest bench clean

run: install ## install into .venv, migrate and serve on http://127.0.0.1:8080
	$(VENV)/bin/visualner serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

test-deps: system-deps install js-deps
	$(PY) -m pip install --quiet -e '.[test]'

# The TypeScript checker for the page scripts (package.json; pinned by package-lock.json).
js-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

lint:
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck:
	MYPYPATH=src $(VENV)/bin/mypy src/visualner

jscheck: js-deps ## tsc --checkJs --noEmit over the // @ts-check page scripts and their tests
	node_modules/.bin/tsc -p jsconfig.json

jstest: ## node's built-in test runner on the pure JS modules (no build step)
	node --test tests/js/

pytest:
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

test: test-deps lint typecheck jscheck jstest pytest ## install what tests need, then ruff, mypy, tsc, node --test and pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache node_modules
