# VSM Assess: `make run` to use it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# Two processes (pytest-xdist), a test file each at a time: module-wide data stays in one.
PYTEST_PARALLEL ?= -n 2 --dist loadfile

.PHONY: install run test lint format worker clean help bench screenshots scale-check

help:
	@echo "make run      serve the demo site on http://$(HOST):$(PORT) with a Celery worker"
	@echo "make test     ruff + the whole test suite"
	@echo "make install  create .venv and install the project"
	@echo "make bench    the performance benchmark (README: Benchmarks; about 6 minutes)"
	@echo "make bench BENCH_ARGS=growth  the CoE pages and exports at 100, 500 and 2,000 teams (README: How cost grows; about 4 minutes)"
	@echo "make screenshots  PNGs of the main pages (desktop and phone) into docs/screens/"
	@echo "make scale-check  2 web instances, 2 workers and beat on PostgreSQL + Redis, with faults (README: Scaling out; about 2.5 minutes)"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)
	@$(PY) -m vsm_site.syscheck

run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo
	@echo ""
	@echo "  VSM Assess is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password demo-pass-2026):"
	@echo "    admin            organisation admin"
	@echo "    coe              CoE analyst"
	@echo "    checkout.lead    lead of team Checkout (every team has <team>.lead)"
	@echo "    checkout.m1      member of team Checkout (<team>.m1 ... .m4)"
	@echo "    superadmin       Django superuser (/admin/)"
	@echo "  Ctrl-C stops the web server and the worker."
	@echo ""
	@trap 'kill 0' INT TERM; \
	DEBUG=true $(VENV)/bin/celery -A vsm_site worker --beat --concurrency 1 --loglevel info \
		--schedule var/celerybeat-schedule & \
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT); \
	kill 0

# A fresh demo database in a temporary folder and its own server on a free port: var/ is
# never touched. Needs Chromium (apt-get install chromium), no browser download.
screenshots: install
	$(PY) tests/browser/screenshots.py

worker: install
	$(VENV)/bin/celery -A vsm_site worker --loglevel info

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_PARALLEL)

# The benchmark (tests/bench/) runs on its own SQLite file unless DATABASE_URL is set (then on
# that database and CELERY_BROKER_URL's broker): the development database is never touched.
BENCH_DATABASE_URL := $(or $(DATABASE_URL),sqlite:///$(CURDIR)/var/bench/bench.sqlite3)
BENCH_ARGS ?=

bench: install
	@mkdir -p var/bench
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) manage.py migrate --noinput
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) -m tests.bench $(BENCH_ARGS)

# The scale-out check (tests/scale/): needs PostgreSQL and Redis (README: Scaling out), by
# default this machine's; it runs on a database of its own (vsm_scale, dropped and created
# again) and Redis databases 12 and 13 of that server, never the development or CI data.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SCALE_REDIS_URL ?= redis://127.0.0.1:6379
SCALE_ARGS ?=

scale-check: install
	DATABASE_URL='$(SCALE_DATABASE_URL)' CELERY_BROKER_URL='$(SCALE_REDIS_URL)' \
		CACHE_URL='$(SCALE_REDIS_URL)' $(PY) -m tests.scale $(SCALE_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var/db.sqlite3 var/celery var/media var/staticfiles
