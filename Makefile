# ecredit: `make run` starts the demo site, `make test` runs every test. See README.md.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
ECREDIT := .venv/bin/ecredit
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench clean messages

install:
	@scripts/bootstrap.sh

run: install
	@$(ECREDIT) migrate
	@$(ECREDIT) demo --if-empty
	@echo ""
	@echo "  ecredit is serving on http://$(HOST):$(PORT)/"
	@echo "    portal      http://$(HOST):$(PORT)/"
	@echo "    API docs    http://$(HOST):$(PORT)/api/v1/docs"
	@echo "    admin       http://$(HOST):$(PORT)/admin/"
	@echo "  demo accounts (password ecredit-demo): admin (operator), regulator (market regulation),"
	@echo "    merchant (an enterprise: sees its own whole archive on its page)"
	@echo "  stop with Ctrl-C"
	@echo ""
	@$(ECREDIT) serve --host $(HOST) --port $(PORT)

test:
	@scripts/bootstrap.sh --system --dev
	@.venv/bin/pytest -q

lint:
	@scripts/bootstrap.sh --dev
	@.venv/bin/ruff check src tests bench conftest.py
	@.venv/bin/ruff format --check src tests bench conftest.py
	@.venv/bin/mypy
	@.venv/bin/lint-imports

format:
	@scripts/bootstrap.sh --dev
	@.venv/bin/ruff format src tests bench
	@.venv/bin/ruff check --fix src tests bench

bench:
	@scripts/bootstrap.sh --dev
	@if ls bench/*.py >/dev/null 2>&1; then for b in bench/*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done; else echo "no benchmarks yet"; fi

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache

# Extract page strings into src/ecredit/locale/*/django.po, then compile the .mo files (needs gettext).
# Translate in the .po files; the compiled .mo files are committed so that running needs no gettext.
messages:
	@scripts/bootstrap.sh --dev
	@cd src/ecredit && ../../.venv/bin/django-admin makemessages --no-wrap -l zh_Hans -l ru -l en --settings=ecredit.web.settings
	@cd src/ecredit && for l in zh_Hans ru en; do msgfmt -o locale/$$l/LC_MESSAGES/django.mo locale/$$l/LC_MESSAGES/django.po; done
