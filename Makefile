# The Review Portal. `make run` serves the site on http://127.0.0.1:8000/ and
# `make test` runs the whole suite; both start from a fresh clone.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Written once the venv holds the project and its test extra; redone when
# pyproject.toml changes.
INSTALLED := $(VENV)/.installed
# Where `make run` serves, e.g. make run ADDRESS=127.0.0.1:8001.
ADDRESS ?= 127.0.0.1:8000
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k settings -x".
PYTEST_ARGS ?=

# Development commands run with DEBUG on: without it the settings refuse to start
# unless DJANGO_SECRET_KEY is set.
DEV := DJANGO_DEBUG=1
# What production looks like to `check --deploy` and collectstatic: DEBUG off, a
# throwaway 60-character key, a real host name and HTTPS hardening on.
PROD := env -u DJANGO_DEBUG \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(45))')" \
	DJANGO_ALLOWED_HOSTS=portal.example.org DJANGO_HTTPS=1

.PHONY: help install assets browser-deps test-deps run serve test lint check

help:
	@echo "make run           install, migrate, load the data, serve on http://127.0.0.1:8000/"
	@echo "make serve         the same with DEBUG off under gunicorn (needs DJANGO_SECRET_KEY)"
	@echo "make test          install (and Chromium if missing), run the whole suite (PYTEST_ARGS=...)"
	@echo "make lint          ruff check, ruff format --check and the import contracts"
	@echo "make check         migrations up to date, collectstatic and check --deploy"
	@echo "make install       create .venv and pip install -e '.[test]'"
	@echo "make assets        npm ci && npm run build, if package.json exists"
	@echo "make browser-deps  apt-get install chromium, if missing and running as root"
	@echo "make test-deps     apt-get install Java (Nu HTML checker) and redis-server, if missing and root"

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --quiet -e ".[test]"
	touch $@

ifneq ($(wildcard package.json),)
assets: node_modules/.package-lock.json
	npm run build

# npm ci writes node_modules/.package-lock.json, so it reruns only when the lock
# file changes.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci
	touch $@
else
assets:
	@echo "No package.json: nothing to build for the front end."
endif

browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		echo "Chromium is installed: $$(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium is missing and this is not root: browser tests need 'sudo apt-get install chromium'." >&2; \
	fi

# The Nu HTML checker (npm's vnu-jar, installed by `make assets`) runs on Java; the
# throttle's cross-process test starts a redis-server of its own.
test-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then \
		echo "Java and redis-server are installed: $$(java -version 2>&1 | head -n 1)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Missing and this is not root: 'sudo apt-get install$$missing' (their tests skip)." >&2; \
	fi

run: install assets
	$(DEV) $(PY) manage.py migrate
	$(DEV) $(PY) manage.py createcachetable
	$(DEV) $(PY) manage.py load_review
	$(DEV) $(PY) manage.py runserver $(ADDRESS)

# Production-like: DEBUG off, static files collected for whitenoise, gunicorn with
# gunicorn.conf.py (WEB_CONCURRENCY workers, default two per core plus one), on
# SQLite or DATABASE_URL, with REDIS_URL if set. DJANGO_SECRET_KEY must be set.
serve: install assets
	@test -n "$${DJANGO_SECRET_KEY:-}" || { echo "Set DJANGO_SECRET_KEY to a long random string first (see README, Deployment)." >&2; exit 2; }
	env -u DJANGO_DEBUG $(PY) manage.py migrate
	env -u DJANGO_DEBUG $(PY) manage.py createcachetable
	env -u DJANGO_DEBUG $(PY) manage.py load_review
	env -u DJANGO_DEBUG $(PY) manage.py collectstatic --noinput --verbosity 0
	env -u DJANGO_DEBUG GUNICORN_BIND=$(ADDRESS) $(VENV)/bin/gunicorn review_portal.wsgi

# Tests run with DEBUG off; pyproject.toml gives them a throwaway key (pytest-env).
# pytest exits 5 when it collects no tests, and make fails on that like on any
# other non-zero exit.
test: install assets browser-deps test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install assets
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(PROD) $(PY) manage.py collectstatic --noinput
	$(PROD) $(PY) manage.py check --deploy --fail-level WARNING
