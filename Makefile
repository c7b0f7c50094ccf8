# Rehab Portal: `make run` starts everything with demo data; `make test` runs the suite.
# Needs only Python 3.11+ (set PYTHON=python3.12 etc. to choose another interpreter).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000

.PHONY: run test install messages migrate demo lint clean screenshots

# axe-core for the browser tests' accessibility checks, pinned by package-lock.json. Without
# npm the axe checks skip locally (in CI, REHAB_REQUIRE_SERVICES=1 makes them fail).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $(NODE_STAMP); \
	else \
		echo "npm not found: node_modules/ (axe-core) is not installed, the axe checks will skip"; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Rehab Portal needs Python 3.11 or newer; try: make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(NODE_STAMP) messages

messages: $(STAMP)
	$(PY) manage.py compilemessages_py

migrate: install
	mkdir -p "$${REHAB_VAR_DIR:-var}"
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# Web server, Celery worker and beat until Ctrl-C; URLs and demo users are printed at start.
run: demo
	$(PY) manage.py run_portal $(ADDR)

# SQLite and in-memory broker by default; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis.
# Spread over every core (pytest-xdist; each worker has its own test database, test_<name>_gwN);
# TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest --numprocesses=$(TEST_WORKERS) --dist=worksteal $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Sweep query timings and plans on synthetic admissions in a benchmark database (rehab_bench):
# PostgreSQL at DATABASE_URL, else at 127.0.0.1:5432, else SQLite (10 000 only).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 10000,100000 --keep".
.PHONY: bench
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

# PNGs of every main page of the three staff roles and the patient (Astrid) at 1366x768 and 390x844 (full page) in
# screenshots/, from demo data in a throwaway SQLite database; needs Chromium.
screenshots: install
	$(PY) manage.py screenshots --out screenshots

clean:
	rm -rf $(VENV) var staticfiles node_modules screenshots
