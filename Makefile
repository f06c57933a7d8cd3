# `make run` and `make test` each create .venv and install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# `make run` uses the sample clinic in config/sample and a local SQLite file.
export FOLLOWUP_DATABASE_URL ?= sqlite:///followup.db
export FOLLOWUP_ROSTER_FILE ?= config/sample/patients.csv
export FOLLOWUP_CALENDAR_SOURCES ?= config/sample/infusions.ics
export FOLLOWUP_SYNC_INTERVAL_SECONDS ?= 60
# `make run PORT=8002` when another program already listens on 8000. The fallback web
# process for Twilio's fallback URL listens on the next port.
PORT ?= 8000
FALLBACK_PORT ?= $(shell echo $$(( $(PORT) + 1 )))
# `make run` keeps a session key of its own, made on the first run (mode 0600, in var/,
# which git ignores), so restarting does not sign everyone out. FOLLOWUP_SECRET_KEY, when
# set, wins over it; production sets that and never uses this file.
SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key

# The suite runs in parallel: two workers a core, since most tests wait on processes,
# sockets and databases rather than compute. Each worker starts its own PostgreSQL and
# Chromium. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

.PHONY: screenshots run secret-key test test-fast test-deep test-quarantine lint install clean bench compare-icaljs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

run: $(STAMP) $(SECRET_KEY_FILE)
	FOLLOWUP_SECRET_KEY_FILE="$${FOLLOWUP_SECRET_KEY_FILE:-$(SECRET_KEY_FILE)}" \
	  $(BIN)/followup run --port $(PORT) --fallback-port $(FALLBACK_PORT)

secret-key: $(SECRET_KEY_FILE)

# Made once and never rewritten: a new key would end every session. Written beside, then
# moved, so an interrupted run never leaves a short key behind.
$(SECRET_KEY_FILE):
	@umask 077 && mkdir -p "$(@D)" \
	  && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > "$@.tmp" \
	  && mv "$@.tmp" "$@"
	@echo "made the session key $@ (kept across restarts; never commit or share it)"

lint: $(STAMP)
	$(BIN)/ruff check followup tests
	$(BIN)/ruff format --check followup tests
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not quarantine"

# Tests held out of `make test` while a finding they made is open (their docstrings say
# which): run them alone, where they pass, and under load, where they found it.
test-quarantine: $(STAMP)
	$(BIN)/pytest -p no:xdist -m quarantine

# The unit tier only (pure functions, no processes or databases), for the edit loop: ~20 s.
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit -q

# Property tests with random seeds and ten times the examples: run before touching time code.
test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest tests/unit

# Every benchmarks/bench_*.py, figures and ratios printed; see docs/benchmarks.md.
# wrk (the webhook's load generator) is installed when missing and we are root.
# The main staff pages at a desk's size and a phone's, from the accessibility test's run,
# into docs/screenshots/ (linked from the README).
screenshots: $(STAMP)
	$(BIN)/pytest -p no:xdist -q tests/browser/test_accessibility.py tests/browser/test_scale_chart.py -k sqlite
	mkdir -p docs/screenshots
	for page in today inbox alerts; do for size in desk phone; do \
	  cp test-artifacts/screenshots/a11y-$$size-$$page.png docs/screenshots/$$page-$$size.png; done; done
	for size in desk phone; do \
	  cp test-artifacts/screenshots/scales-$$size.png docs/screenshots/rating-scales-$$size.png; done

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "wrk missing: apt-get install wrk"
	$(BIN)/python -m benchmarks.run_all

# followup's ICS reader against ical.js on the shipped test calendars (issue 24); needs
# Node and npm, installs the pinned ical.js into benchmarks/icaljs on first use. ~2 min.
compare-icaljs: $(STAMP)
	$(BIN)/python -m benchmarks.compare_icaljs

clean:
	rm -rf $(VENV) followup.db followup.db-wal followup.db-shm .pytest_cache .mypy_cache .ruff_cache
