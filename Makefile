# radiohost: the two commands are `make demo` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

# Tests and CI use the real services on this machine.
TEST_ENV := DEBUG=1 \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	CELERY_BROKER_URL=$${TEST_BROKER_URL:-redis://127.0.0.1:6379/15}

.PHONY: demo serve test lint migrations-check pytest services venv clean bench browser

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

services:
	./scripts/ensure_services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_file_length.py

migrations-check: venv
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py check

# Browser tests drive Debian's chromium through chromium-driver (Selenium); install them
# when missing (CI runs as root), or say clearly why the browser tests cannot run.
browser:
	./scripts/ensure_chromium.sh

pytest: venv services browser
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

test: venv lint migrations-check pytest

# The main job end to end on the embedded default: SQLite, simulated sky, no services.
demo: venv
	mkdir -p var
	DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 CELERY_TASK_ALWAYS_EAGER=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 CELERY_TASK_ALWAYS_EAGER=1 $(PY) manage.py demo

# Serve the demo's own database (the one `make demo` filled); overlays render in-process.
serve: venv
	DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 CELERY_TASK_ALWAYS_EAGER=1 $(PY) manage.py runserver 127.0.0.1:8000

bench: venv services
	$(TEST_ENV) $(PY) bench/cone_search.py

clean:
	rm -rf var/demo.sqlite3 .pytest_cache .ruff_cache
