# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run install test test-deps system-deps lint typecheck pytest bench clean

run: install ## install into .venv, migrate and serve on http://127.0.0.1:8080
	$(VENV)/bin/visualner serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

test-deps: system-deps install
	$(PY) -m pip install --quiet -e '.[test]'

system-deps:
	bash scripts/install-system-deps.sh

lint:
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck:
	MYPYPATH=src $(VENV)/bin/mypy src/visualner

pytest:
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

test: test-deps lint typecheck pytest ## install what tests need, then ruff, mypy and pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
