# Every target installs what it needs first; see README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ENV := DJANGO_SETTINGS_MODULE=lhs_assess.settings.local
APPS := lhs_assess commitments organizations assessments reports consortium notifications

.PHONY: install system-deps demo demo-setup test lint format bench worker clean

install: system-deps $(STAMP)

# Reports draw their charts in Debian's Chromium and lay out PDFs with Pango (WeasyPrint);
# evidence uploads are checked by content with libmagic.
# Installed here when missing and we may (root with apt-get); otherwise say what to install.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core libmagic1
system-deps:
	@if command -v chromium >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2-1.0 \
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

# Zero-setup demo: SQLite file in var/, tasks in-process, served on http://127.0.0.1:8000.
demo-setup: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_rubric --publish
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --organizations 60 --cycles 3

demo: demo-setup
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

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

bench: install
	$(BIN)/python bench/run.py

# A Celery worker with beat (re-sends reports and mail left queued, sends reminders); needs REDIS_URL.
worker: install
	@test -n "$(REDIS_URL)" || (echo "Set REDIS_URL (for example redis://127.0.0.1:6379/0) to run a worker." && exit 1)
	$(BIN)/celery -A lhs_assess worker --beat --loglevel=INFO --concurrency=2

clean:
	rm -rf $(VENV) var staticfiles node_modules .pytest_cache .mypy_cache .ruff_cache
