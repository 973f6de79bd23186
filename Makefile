# Every target installs what it needs first; see README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo runs with DEBUG off, as production does (error pages, compressed and cached static files).
DEMO_ENV := DJANGO_SETTINGS_MODULE=lhs_assess.settings.local DJANGO_DEBUG=0
APPS := lhs_assess commitments organizations assessments reports consortium notifications ratings api

.PHONY: install system-deps demo demo-setup test lint format bench worker plotly clean

install: system-deps $(STAMP)

# Reports draw their charts and print their PDFs in Debian's Chromium, with a font; evidence
# uploads are checked by content with libmagic.
# Installed here when missing and we may (root with apt-get); otherwise say what to install.
SYSTEM_PACKAGES := chromium fonts-dejavu-core libmagic1
system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi dejavu \
		&& ldconfig -p | grep -q libmagic.so.1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $(SYSTEM_PACKAGES) for report charts and PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
		echo "Reports need: sudo apt-get install $(SYSTEM_PACKAGES)"; \
		echo "(everything else works without them; reports then fail saying so)"; \
	fi

$(STAMP): pyproject.toml package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# axe-core for the browser tests (test-only, never served); skipped where there is no npm.
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; \
	else echo "npm not found: browser accessibility tests will be skipped"; fi
	touch $(STAMP)

# Zero-setup demo: SQLite file in var/, served on http://127.0.0.1:8000 beside a real Celery
# worker that takes its tasks from files under var/broker (no Redis); Ctrl-C stops both.
demo-setup: install var/static/staticfiles.json
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_rubric --publish
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --allow-without-debug --organizations 60 --cycles 3

# Static files collected, compressed and hashed as production serves them; again only when
# one has changed.
var/static/staticfiles.json: $(STAMP) $(shell find static -type f)
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

demo: demo-setup
	$(DEMO_ENV) $(BIN)/honcho start -f Procfile.demo

# PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, SQLite otherwise;
# REQUIRE_SERVICES=1 turns "skipped: no Redis" into a failure.
test: install
	$(BIN)/pytest -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(APPS)
	$(BIN)/lint-imports --no-cache
	$(BIN)/djlint templates --lint

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint templates --reformat

# The bench puts two web processes behind HAProxy (Debian's) for its scale-out figure.
bench: install
	@command -v haproxy >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get install -y -qq haproxy; } || echo "haproxy not installed: the two-process run is skipped"
	$(BIN)/python bench/run.py

# A Celery worker with beat (re-sends reports and mail left queued, sends reminders); needs REDIS_URL.
worker: install
	@test -n "$(REDIS_URL)" || (echo "Set REDIS_URL (for example redis://127.0.0.1:6379/0) to run a worker." && exit 1)
	$(BIN)/celery -A lhs_assess worker --beat --loglevel=INFO --concurrency=2

# plotly.js cut down to the trace types our charts draw (static/vendor/plotly, committed):
# run after changing lhs_assess/assets/plotly or the plotly package's version.
plotly:
	cd lhs_assess/assets/plotly && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) var staticfiles node_modules .pytest_cache .mypy_cache .ruff_cache
