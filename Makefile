# buergerbuero: `make run` serves the product with demo data; `make test` runs every test.
# Both install what they need (Python packages into .venv; as root on Debian, system packages via apt).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
ROUNDS ?= 20
CLIENTS ?= 2000
PG_URL ?= postgres://postgres@127.0.0.1:5432/buergerbuero
REDIS ?= redis://127.0.0.1:6379/0
# Tests never touch var/: they get their own data directory.
TEST_DATA := $(CURDIR)/var/test-data

.PHONY: run test test-unit test-e2e test-pg lint bench-call bench-waiting messages clean

$(VENV)/stamp-base: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/stamp-test: $(VENV)/stamp-base pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/stamp-base
	@bash scripts/system-packages.sh run
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@bash scripts/compile-messages.sh $(PY)
	$(PY) manage.py load_demo
	@echo
	@echo "  Overview:      http://$(HOST):$(PORT)/musterkreis/"
	@echo "  Staff login:   http://$(HOST):$(PORT)/staff/login/"
	@echo "  Django admin:  http://$(HOST):$(PORT)/admin/   (superuser)"
	@echo
	exec $(VENV)/bin/uvicorn buergerbuero.asgi:application --host $(HOST) --port $(PORT) --no-access-log --ws-per-message-deflate false

test: test-unit test-e2e

test-unit: $(VENV)/stamp-test
	@bash scripts/system-packages.sh test
	@bash scripts/compile-messages.sh $(PY)
	$(VENV)/bin/ruff check .
	BUERGERBUERO_DATA_DIR=$(TEST_DATA) $(PY) manage.py makemigrations --check --dry-run -v1
	BUERGERBUERO_DATA_DIR=$(TEST_DATA) $(PY) manage.py check
	BUERGERBUERO_DATA_DIR=$(TEST_DATA) $(PY) -m pytest -q tests --ignore=tests/e2e -p no:cacheprovider

# Browser tests re-execute themselves inside a private network namespace (tests/e2e/conftest.py).
test-e2e: $(VENV)/stamp-test
	@bash scripts/system-packages.sh test
	BUERGERBUERO_DATA_DIR=$(TEST_DATA) $(PY) -m pytest -q tests/e2e -p no:cacheprovider

# The same suite on PostgreSQL and the Redis channel layer.
test-pg: $(VENV)/stamp-test
	@bash scripts/system-packages.sh pg
	@bash scripts/start-services.sh
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) BUERGERBUERO_DATA_DIR=$(TEST_DATA) \
		$(PY) manage.py check --deploy --fail-level ERROR
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) BUERGERBUERO_DATA_DIR=$(TEST_DATA) \
		$(PY) -m pytest -q tests --ignore=tests/e2e -p no:cacheprovider

lint: $(VENV)/stamp-test
	$(VENV)/bin/ruff check .
	BUERGERBUERO_DATA_DIR=$(TEST_DATA) $(VENV)/bin/mypy buergerbuero

bench-call: $(VENV)/stamp-test
	@bash scripts/system-packages.sh test
	ROUNDS=$(ROUNDS) $(PY) bench/bench_call.py

bench-waiting: $(VENV)/stamp-test
	CLIENTS=$(CLIENTS) $(PY) bench/bench_waiting.py

# Extract translatable strings into the .po files (msgids are English; German is the default language).
messages: $(VENV)/stamp-base
	cd buergerbuero && ../$(PY) ../manage.py makemessages -l de -l en --no-obsolete -i "*/node_modules/*"
	cd buergerbuero && ../$(PY) ../manage.py makemessages -d djangojs -l de -l en --no-obsolete

clean:
	rm -rf var/static var/test-data test-artifacts
