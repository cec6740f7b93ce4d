# The two commands: `make run` (install, set up and start the portal) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000

# Debian packages: what the portal needs to run, and what the test suite adds.
VENV_PKG := $(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null || echo python3-venv)
# postgresql-client and sqlite3: `flask backup` (pg_dump, pg_restore) and the README's
# backup commands.
APT_RUN := $(VENV_PKG) libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core \
  postgresql-client sqlite3
APT_TEST := postgresql redis-server chromium gettext poppler-utils
# Node for the browser assets from the npm registry; only when there is no npm at all (a
# NodeSource nodejs bundles its own npm and conflicts with Debian's npm package).
APT_NODE := nodejs npm

.PHONY: install install-test run test test-sqlite test-postgres lint audit translations \
        translations-extract translations-update translations-compile bench clean

install: $(BIN)/.installed translations-compile node_modules/.installed

$(BIN)/.installed: pyproject.toml
	@bash scripts/apt-deps.sh $(APT_RUN)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# Browser assets pinned in package.json and package-lock.json (Swagger UI for /api/v1/docs),
# served from the portal's own origin. --ignore-scripts: no install script runs (swagger-ui-dist
# pulls in @scarf/scarf, whose script would report the install to a third party).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || bash scripts/apt-deps.sh $(APT_NODE)
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

install-test: install $(BIN)/.installed-test

$(BIN)/.installed-test: pyproject.toml
	@bash scripts/apt-deps.sh $(APT_RUN) $(APT_TEST)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

lint: install-test
	$(BIN)/ruff check .

# Known vulnerabilities with a fix, in the Python environment (pip-audit, PyPI's JSON API) and
# the npm packages (npm audit): scripts/audit.py says why it fails, and fails when it cannot ask.
audit: install-test
	$(BIN)/python scripts/audit.py

# `test` runs the audit too: it fails on a fixable vulnerability; where a service cannot be
# asked (from these machines neither PyPI's per-version JSON API nor the npm audit endpoint
# answers) it says the audit was NOT DONE and goes on; `make audit` fails then.
test: install-test lint
	$(BIN)/python scripts/audit.py --unreachable-ok
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	$(BIN)/pytest

test-postgres:
	@echo "== test suite on PostgreSQL =="
	bash scripts/with-postgres.sh $(BIN)/pytest -m "not browser"

# Translations: extract the messages, merge them into each catalog, compile the catalogs.
translations-extract:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  -k lazy_pgettext:1c,2 --no-location --sort-output \
	  --project filing-portal -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete

translations-compile: $(BIN)/.installed
	$(BIN)/pybabel compile -d translations --statistics

translations: translations-update translations-compile

# Benchmarks (not part of `make test`): gunicorn on a throwaway PostgreSQL database, 20,000
# filings; the figures go into benchmarks/README.md. Quicker: make bench BENCH_ARGS="--filings 2000".
BENCH_ARGS ?=
bench: install-test
	$(BIN)/python benchmarks/bench.py --readme benchmarks/README.md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info node_modules
