# The README's commands. `make run` and `make test` each do all setup on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# SQLite is the default; set DATABASE_URL=postgresql://… to run on PostgreSQL.
export FLASK_APP := wsgi

.PHONY: run test lint format bench install clean browser-deps translations screenshots

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate
	$(BIN)/pybabel compile --use-fuzzy -d workflow_service/translations >/dev/null

# The browser tests drive Debian's chromium with CJK fonts: installed from Debian, never a downloaded
# browser build. Idempotent; without root (and no sudo) it only warns and the browser tests fail.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "warning: install the Debian packages chromium and fonts-noto-cjk for the browser tests" >&2; fi

# After changing a page's text: collect the messages, merge them into the English catalogue, compile.
translations: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --no-location --omit-header -o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d workflow_service/translations --no-fuzzy-matching -w 110
	$(BIN)/pybabel compile -d workflow_service/translations

# Refresh docs/screenshots/ (1366×768) from the browser walk-through.
screenshots: install browser-deps
	DOCS_SCREENSHOTS=1 $(BIN)/pytest -q tests/test_browser.py tests/test_browser_admin.py -k sqlite

# The service refuses to start without a secret key of its own: `make run` makes one once, in instance/.
SECRET_KEY_FILE := instance/secret_key
$(SECRET_KEY_FILE):
	mkdir -p instance
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@

# gunicorn and the worker (timers, deadline warnings) side by side: Ctrl-C or SIGTERM stops both,
# the worker after the job in hand; when the worker ends, gunicorn is stopped too.
# Plain http://$(HOST):$(PORT): the session cookie goes without the Secure flag (on by default).
run: export FLASK_SESSION_COOKIE_SECURE ?= false
run: export FLASK_SECRET_KEY ?= $(shell cat $(SECRET_KEY_FILE) 2>/dev/null)
run: install $(SECRET_KEY_FILE)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --demo-users
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app & gunicorn=$$!; \
	$(BIN)/flask worker & worker=$$!; \
	trap 'kill -TERM $$gunicorn $$worker 2>/dev/null; wait' EXIT INT TERM; \
	wait $$worker

test: install browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run_all.py
	$(BIN)/python bench/worker_bench.py
	$(BIN)/python bench/loop_bench.py --doc

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
