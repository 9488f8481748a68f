# The README's two commands. Each sets itself up on a fresh machine and is fast the second time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export TOURNEVIS_DEV ?= 1

.PHONY: demo test setup system-packages lint typecheck archcheck migrations-check pytest pytest-sqlite pytest-postgres serve clean

PO := $(wildcard src/tournevis/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup: system-packages $(VENV)/.installed node_modules/.installed src/tournevis/web/static/vendor/.copied $(MO)

# Debian packages the project needs on a fresh machine: gettext's msgfmt for the catalogues; Pango and
# the DejaVu fonts for WeasyPrint (the service report PDF).
system-packages:
	@command -v msgfmt >/dev/null 2>&1 || { echo "== apt-get install gettext"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	@{ /sbin/ldconfig -p | grep -q libpangoft2-1.0.so.0 && test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || { \
		echo "== apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

%.mo: %.po
	msgfmt --check-format -o $@ $<

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

src/tournevis/web/static/vendor/.copied: node_modules/.installed scripts/vendor.py
	$(BIN)/python scripts/vendor.py
	touch $@

demo: setup
	$(BIN)/tournevis migrate --no-input -v 0
	$(BIN)/tournevis demo load --size small --seed 1 --if-empty
	$(BIN)/tournevis demo logins
	$(BIN)/tournevis runserver 127.0.0.1:8000 --insecure

test: setup lint typecheck archcheck migrations-check pytest

lint:
	$(BIN)/ruff check src tests bench scripts

typecheck:
	$(BIN)/mypy

archcheck:
	$(BIN)/lint-imports --no-cache

migrations-check:
	env -u DATABASE_URL $(BIN)/tournevis makemigrations --check --dry-run -v 1

pytest: pytest-sqlite pytest-postgres

pytest-sqlite:
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

pytest-postgres:
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== pytest on PostgreSQL ($${DATABASE_URL%%@*}@…)"; \
		$(BIN)/pytest -p no:cacheprovider; \
	else \
		echo "== DATABASE_URL is not set: the PostgreSQL run is skipped (CI sets it)"; \
	fi

clean:
	rm -rf $(VENV) node_modules var src/tournevis/web/static/vendor
