# Grassroots: `make run` and `make test` work on a fresh machine (Debian, Python 3.11, Node.js, PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/grassroots
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := grassroots/static/vendor

.PHONY: run test install assets browser keys migrate demo test-sqlite test-postgres lint checks postgres clean serve

run: install keys migrate demo
	@echo ""
	@echo "  Grassroots 基层党建动态信息管理系统 is running at http://$(HOST):$(PORT)/"
	@$(BIN)/python manage.py demo_logins
	@echo "  (Ctrl-C stops the web server and the task worker)"
	@echo ""
	@set -a; . var/secrets.env; set +a; \
	  $(BIN)/python manage.py db_worker --interval 1 >var/worker.log 2>&1 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

test: install browser lint checks test-sqlite test-postgres

# --- installation (idempotent) ---
install: $(VENV)/.installed $(VENDOR)/.installed

$(VENV)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)/tabler $(VENDOR)/echarts $(VENDOR)/htmx
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/tabler/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/tabler/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@touch $@

assets: $(VENDOR)/.installed

# Debian's chromium for the browser tests (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

keys: var/secrets.env

var/secrets.env:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print('GRASSROOTS_FIELD_KEYS=k1:' + secrets.token_hex(16)); print('GRASSROOTS_INDEX_KEY=' + secrets.token_hex(32)); print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@
	@chmod 600 $@
	@echo "made var/secrets.env (local keys; production takes them from the environment)"

migrate: install keys
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py demo --if-empty

# --- checks ---
lint: install
	$(BIN)/ruff check .

checks: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check --fail-level WARNING

test-sqlite: install
	$(BIN)/pytest -q

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done

test-postgres: install postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles
