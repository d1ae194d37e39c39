# The two-command contract: `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-fast bench lint format migrate seed clean

$(STAMP): requirements.lock pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Web server, Celery worker and beat together; Ctrl-C stops all three.
run: export DEBUG ?= 1
run: seed
	@echo "Starting web (http://127.0.0.1:$(PORT)), worker and beat. Ctrl-C stops all three."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile --port $(PORT)

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench_engine
	$(BIN)/python -m tests.bench_recompute

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy mentorship competencies assessments matching manage.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
