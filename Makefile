# buergerbuero: `make run` serves the product with demo data; `make test` runs every test.
# Both install what they need (Python packages into .venv; as root on Debian, system packages via apt).
#
# Steps that install or build are stamped and redone only when their inputs change. `migrate` and
# `load_demo` run every time: they look at the database itself (which a stamp cannot see), do nothing
# when nothing is to be done, and take about a second together.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.NOTPARALLEL:

# pyproject.toml pins Python 3.11 (Debian 12's python3); prefer python3.11 where several are installed.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
ROUNDS ?= 20
CLIENTS ?= 2000
PG_URL ?= postgres://postgres@127.0.0.1:5432/buergerbuero
REDIS ?= redis://127.0.0.1:6379/0
# Where `make run` keeps its SQLite file, secret key and static files (settings.py: BUERGERBUERO_DATA_DIR).
DATA_DIR := $(abspath $(or $(BUERGERBUERO_DATA_DIR),var))
# Tests never touch the data of `make run`: they get their own data directory.
TEST_DATA := $(CURDIR)/var/test-data
TEST_ENV := BUERGERBUERO_DATA_DIR=$(TEST_DATA)
PG_ENV := DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(TEST_ENV)

STATIC_SOURCES := $(shell find buergerbuero -path '*/static/*' -type f 2>/dev/null)
PO_FILES := $(wildcard buergerbuero/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-unit test-e2e test-pg lint bench-call bench-reload bench-waiting bench-booking bench-group bench-stats bench-faults messages compile-messages clean

# --- installation -------------------------------------------------------------------------------------

$(VENV)/stamp-system-run:
	@bash scripts/system-packages.sh run
	@mkdir -p $(VENV) && touch $@

$(VENV)/stamp-base: pyproject.toml $(VENV)/stamp-system-run
	@# A venv left without pip (python3-venv was missing when it was made) is made again.
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV)/bin $(VENV)/lib $(VENV)/pyvenv.cfg; \
		$(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/stamp-test: $(VENV)/stamp-base pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# System packages are looked for by command each time (fast); apt runs only when something is missing.
system-test:
	@bash scripts/system-packages.sh test
system-pg:
	@bash scripts/system-packages.sh pg
.PHONY: system-test system-pg

# The compiled translations are committed too, so a machine without gettext still serves German.
compile-messages: $(MO_FILES)
%.mo: %.po
	@if command -v msgfmt >/dev/null; then echo "msgfmt $<"; msgfmt --check-format -o $@ $<; fi

$(DATA_DIR)/.stamp-static: $(VENV)/stamp-base $(STATIC_SOURCES)
	BUERGERBUERO_DATA_DIR=$(DATA_DIR) $(PY) manage.py collectstatic --noinput -v0
	@touch $@

# --- run ----------------------------------------------------------------------------------------------

run: $(VENV)/stamp-base compile-messages $(DATA_DIR)/.stamp-static
	BUERGERBUERO_DATA_DIR=$(DATA_DIR) $(PY) manage.py migrate --noinput -v0
	@BUERGERBUERO_DATA_DIR=$(DATA_DIR) $(PY) manage.py load_demo
	@echo
	@echo "  Overview:      http://$(HOST):$(PORT)/musterkreis/"
	@echo "  Staff login:   http://$(HOST):$(PORT)/staff/login/"
	@echo "  Django admin:  http://$(HOST):$(PORT)/admin/   (login: superuser)"
	@echo
	@# Janus (group sessions) starts next to the server when installed (buergerbuero/media/localjanus.py).
	exec env BUERGERBUERO_DATA_DIR=$(DATA_DIR) $(PY) -m buergerbuero.media.localjanus -- \
		$(VENV)/bin/uvicorn buergerbuero.asgi:application \
		--host $(HOST) --port $(PORT) --no-access-log --ws-per-message-deflate false \
		--ws-max-size 65536 --timeout-graceful-shutdown 5

# --- tests --------------------------------------------------------------------------------------------

# Both halves run even when the first fails, so one run shows every failure; the exit status is non-zero
# when either failed.
test:
	@status=0; $(MAKE) --no-print-directory test-unit || status=1; \
		$(MAKE) --no-print-directory test-e2e || status=1; \
		[ $$status = 0 ] || echo "make test: FAILED (see above)" >&2; exit $$status

test-unit: $(VENV)/stamp-test system-test compile-messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(TEST_ENV) $(VENV)/bin/mypy buergerbuero
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run -v1
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) -m pytest -q tests --ignore=tests/e2e -p no:cacheprovider

# Browser tests install axe-core (npm) and re-execute themselves inside a private network namespace with
# only loopback (tests/e2e/conftest.py); they start their own servers with their own SQLite databases.
test-e2e: $(VENV)/stamp-test system-test compile-messages
	$(TEST_ENV) $(PY) -m pytest -q tests/e2e -p no:cacheprovider

# The unit, consumer and concurrency tests again on PostgreSQL and the Redis channel layer, then the
# browser tests on PostgreSQL and Redis: the host's servers are out of reach of their network namespace, so
# with BB_E2E_BACKENDS=postgres the session starts its own on loopback inside it, and each live server runs
# two uvicorn workers (tests/e2e/harness.py, Backends). Both halves run even when the first fails.
test-pg: $(VENV)/stamp-test system-pg system-test compile-messages
	@bash scripts/start-services.sh "$(PG_URL)" "$(REDIS)"
	$(PG_ENV) $(PY) manage.py check --deploy --fail-level ERROR
	@status=0; $(PG_ENV) $(PY) -m pytest -q tests --ignore=tests/e2e -p no:cacheprovider || status=1; \
		$(TEST_ENV) BB_E2E_BACKENDS=postgres $(PY) -m pytest -q tests/e2e -p no:cacheprovider || status=1; \
		[ $$status = 0 ] || echo "make test-pg: FAILED (see above)" >&2; exit $$status

lint: $(VENV)/stamp-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(TEST_ENV) $(VENV)/bin/mypy buergerbuero

# --- benchmarks (they run in a private network namespace of their own, like the browser tests) ---------

bench-call: $(VENV)/stamp-test system-test
	ROUNDS=$(ROUNDS) $(PY) bench/bench_call.py

# A reload of the citizen's and of the official's page mid-call, ROUNDS times each (default 10): time from
# the reload to media on both sides (goal: within 3 s).
bench-reload: $(VENV)/stamp-test system-test
	ROUNDS=$(if $(filter command line environment,$(origin ROUNDS)),$(ROUNDS),10) $(PY) bench/bench_reload.py

bench-waiting: $(VENV)/stamp-test
	CLIENTS=$(CLIENTS) $(PY) bench/bench_waiting.py

# 50 rounds unless ROUNDS is given on the command line or in the environment (bench-call's default is 20).
bench-booking: $(VENV)/stamp-test system-pg
	ROUNDS=$(if $(filter command line environment,$(origin ROUNDS)),$(ROUNDS),50) $(PY) bench/bench_booking.py

# One presenter and SUBSCRIBERS (default 20) viewers through our server and Janus (on a veth pair in the
# benchmark's own network namespace): time to each viewer's first frame, Janus's CPU per subscriber.
SUBSCRIBERS ?= 20
bench-group: $(VENV)/stamp-test system-test
	SUBSCRIBERS=$(SUBSCRIBERS) $(PY) bench/bench_group.py

# A year of one authority (TICKETS, default 1,000,000, in 10 offices) on PostgreSQL, rolled up by the real
# job; then the statistics dashboard's yearly view, timed cold and warm (goal: at most 1,000 ms).
TICKETS ?= 1000000
bench-stats: $(VENV)/stamp-test system-pg
	TICKETS=$(TICKETS) $(PY) bench/bench_stats.py

# Faults survived, on PostgreSQL + Redis with two workers: kill -9 of a worker and of all, Redis and
# PostgreSQL restarted, FUZZ_FRAMES hostile frames; CITIZENS (default 200) waiting pages in two offices.
# The media in Chromium (each off with 0): CALLS across the kills, NET (a citizen's packets dropped
# mid-call), JANUS (killed during a group session).
CITIZENS ?= 200
FUZZ_FRAMES ?= 100000
bench-faults: $(VENV)/stamp-test system-pg system-test
	CITIZENS=$(CITIZENS) FUZZ_FRAMES=$(FUZZ_FRAMES) $(PY) bench/bench_faults.py

# --- translations -------------------------------------------------------------------------------------

# Extract translatable strings into the .po files (msgids are English; German is the default language).
messages: $(VENV)/stamp-base
	cd buergerbuero && ../$(PY) ../manage.py makemessages -l de -l en --no-obsolete -i "*/node_modules/*"
	cd buergerbuero && ../$(PY) ../manage.py makemessages -d djangojs -l de -l en --no-obsolete -i "*/node_modules/*"

clean:
	rm -rf var/static var/.stamp-static var/test-data test-artifacts
