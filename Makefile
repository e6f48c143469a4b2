# Veche — `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# `make run` is the demo: keys a real server must never hold (a signing key, the monitor's private key, the
# pepper) are made in var/secrets/ and every page says "demo". A real server is given the organisers' public
# keys and the pepper instead (README, "Running it for real") and VECHE_DEMO=0. The tests set their own.
export VECHE_DEMO ?= 1
# Where the demo is served: its prepared mails (the vote's keys) link here.
export VECHE_SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run serve prod prod-down install dev migrate demo national test test-sqlite test-sweep test-pg lint bench lock messages clean

# The site is served as soon as the database is migrated; the demo's data load beside it (each page's banner shows the
# step, var/demo.log the detail) and stop with the server.
run: install migrate
	@echo "Veche at http://$(HOST):$(PORT)/ — the demo's data load in the background: progress on every page, detail in var/demo.log"
	@$(BIN)/python manage.py demo --data $(DATA) --progress > var/demo.log 2>&1 & demo=$$!; \
	trap 'kill $$demo 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c veche/gunicorn.py veche.wsgi --bind $(HOST):$(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

# The demo (veche/management/commands/demo.py): St Petersburg 2021 with what its forecast needs, the map of
# violations, the published record, and what only a demo has (an invented pledge campaign, staff logins, lists
# signed with the demo key, a saved backtest); each step is a no-op when done.
demo: migrate
	$(BIN)/python manage.py demo --data $(DATA)

# The State Duma 2021 nationwide, as docs/smartvote.md's national run: every district's candidates, the Moscow City
# Duma 2019 development set, the choices frozen on the development sets, the forecast of all 225 districts and its
# list (signed with the demo key: demo mode only; organisers sign offline), then the test sets scored. Each import
# is a no-op when done.
BACKTESTS := $(DATA)/backtests
HISTORY := duma-2007 duma-2011 duma-2016
national: demo
	$(BIN)/python manage.py import_cec $(DATA)/russia-federal/2021.csv.zip
	$(BIN)/python manage.py import_candidates $(BACKTESTS)/state_duma_2021_smd_candidates.csv
	$(BIN)/python manage.py import_smartvote_facts smartvote/fixtures/duma2021_lineage.csv
	$(BIN)/python manage.py import_district_precincts $(BACKTESTS)/moscow_city_duma_2019_uik_districts.csv
	$(BIN)/python manage.py import_candidates $(BACKTESTS)/moscow_city_duma_2019_smd_results.csv
	$(BIN)/python manage.py import_district_results $(BACKTESTS)/moscow_city_duma_2019_smd_results.csv
	$(BIN)/python manage.py import_smartvote_facts smartvote/fixtures/mgd2019_facts.csv
	$(BIN)/python manage.py smartvote_backtest --target duma-2016 duma-2021@Петербург spb-zaks-2021 mgd-2019 \
		--history $(HISTORY) --save --no-ablation
	$(BIN)/python manage.py smartvote_forecast duma-2021
	$(BIN)/python manage.py smartvote_publish duma-2021 --demo --user organiser
	$(BIN)/python manage.py import_district_results $(BACKTESTS)/state_duma_2021_moscow_smd_results.csv
	$(BIN)/python manage.py smartvote_backtest --target duma-2021@Москва --history $(HISTORY) --frozen
	$(BIN)/python manage.py smartvote_score_winners duma-2021 $(BACKTESTS)/state_duma_2021_smd_candidates.csv

# gunicorn with veche/gunicorn.py: no access log, no address and no exact time in the error log.
serve: install
	@echo "Veche at http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn -c veche/gunicorn.py veche.wsgi --bind $(HOST):$(PORT)

# Lint, the formatting, and the types of the shared core and the data core (pyproject.toml says which).
# The production stack on this machine: nginx (TLS, buffering, static files) in front of gunicorn on a unix socket,
# over PostgreSQL and Redis (deploy/stack.py; a self-signed certificate unless VECHE_TLS_CERT/KEY name one):
# https://localhost:8443/. PROD_DATABASE_URL and PROD_REDIS_URL choose the services; the data are imported as
# for any server (`make demo` with the same DATABASE_URL). `make prod ONION=1` serves it as an onion service too
# (Debian's tor, deploy/torrc).
PROD_DATABASE_URL ?= $(PG_URL)
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
prod: install
	DATABASE_URL=$(PROD_DATABASE_URL) $(BIN)/python manage.py migrate --no-input
	DATABASE_URL=$(PROD_DATABASE_URL) VECHE_REDIS_URL=$(PROD_REDIS_URL) $(BIN)/python deploy/stack.py up $(if $(ONION),--onion)

prod-down:
	$(BIN)/python deploy/stack.py down

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite on SQLite and, when it is reachable, on PostgreSQL, side by side on two cores (each run is one process),
# then the browser sweep after the PostgreSQL run (the shorter): about the longer of the two instead of their sum. Each
# run has its own var/ folder and its own Redis databases (the tests that empty one). The PostgreSQL lane's output is
# kept in var/test-pg.log and shown when the SQLite run is done.
test: lint
	@mkdir -p var
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "=== PostgreSQL run, then the sweep, beside the SQLite run: var/test-pg.log ==="; \
		{ $(MAKE) --no-print-directory test-pg && $(MAKE) --no-print-directory test-sweep; } > var/test-pg.log 2>&1 & lane=$$!; \
		$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
		wait $$lane; postgres=$$?; \
		echo "=== the PostgreSQL run and the sweep (var/test-pg.log) ==="; cat var/test-pg.log; \
		echo "=== SQLite: $$([ $$sqlite = 0 ] && echo passed || echo FAILED); PostgreSQL and the sweep: $$([ $$postgres = 0 ] && echo passed || echo FAILED) ==="; \
		[ $$sqlite = 0 ] && [ $$postgres = 0 ]; \
	else \
		echo "*** PostgreSQL is not reachable at $(PG_URL): the PostgreSQL run is SKIPPED ***"; \
		$(MAKE) --no-print-directory test-sqlite && $(MAKE) --no-print-directory test-sweep; \
	fi

test-sqlite: dev
	@echo "=== tests on SQLite ==="
	env -u DATABASE_URL VECHE_VAR_DIR=$(CURDIR)/var/test-sqlite $(BIN)/python -m pytest

test-sweep: dev
	@echo "=== every page at 390 and 1366 px, in Russian and English, on the demo (SQLite) ==="
	env -u DATABASE_URL VECHE_VAR_DIR=$(CURDIR)/var/test-sweep $(BIN)/python -m pytest -m sweep

# An interrupted run can leave sessions on the test database (test_<name>)
# that stop the next one from recreating it: end them first.
test-pg: dev
	@echo "=== tests on PostgreSQL ($(PG_URL)) ==="
	@$(BIN)/python -c "import psycopg; c = psycopg.connect('$(PG_URL)', autocommit=True); \
		c.execute(\"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'test_' || current_database()\")"
	DATABASE_URL=$(PG_URL) VECHE_VAR_DIR=$(CURDIR)/var/test-pg VECHE_TEST_SEIZURE_REDIS_URL=redis://127.0.0.1:6379/13 \
		VECHE_TEST_STACK_REDIS_URL=redis://127.0.0.1:6379/12 $(BIN)/python -m pytest --create-db

# Every benchmark, then one table of their figures as ratios to floors from the same run, with the goals (~25 min;
# BENCH=--quick for a shorter check). Needs PostgreSQL and wrk.
bench: dev
	$(BIN)/python bench/all.py $(BENCH)

# Re-pin the dependencies (needs the network to PyPI).
lock:
	$(PYTHON) -m venv /tmp/veche-lock && /tmp/veche-lock/bin/pip install --quiet pip-tools
	cd requirements && /tmp/veche-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o base.txt base.in
	cd requirements && /tmp/veche-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o dev.txt dev.in

# Refresh the translation catalogues, then compile them.
messages: dev
	$(BIN)/python manage.py makemessages --locale ru --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
