# The two commands of README.md: `make demo` starts a whole hall, `make test` runs every test.
# Both set up what they need first (Debian packages, .venv, Python packages).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench fuzz-api soak deb package-test

setup:
	@bash packaging/setup.sh

demo: setup
	$(BIN)/hallq demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the house's import rules: [tool.importlinter] in pyproject.toml

# Two workers (pytest-xdist), then the tests that share a port or a service of the machine one
# at a time (marked machine_shared in tests/conftest.py).
test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 -m "not machine_shared"
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m machine_shared

bench: setup
	$(BIN)/python -m bench.all

# A city day as a soak (README "Soak"): real processes, kill -9 of each, a central outage;
# the busiest 3 hours at 10x (~20 min). SOAK_ARGS="--hours 9" runs the whole day.
SOAK_ARGS ?=
soak: setup
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# The API fuzz of `make test` (tests/integration/test_api_fuzz.py), with many more requests.
FUZZ_EXAMPLES ?= 100
FUZZ_SEED ?= 20
fuzz-api: setup
	HALLQ_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) HALLQ_FUZZ_SEED=$(FUZZ_SEED) QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest -q -p no:cacheprovider -o timeout=3600 tests/integration/test_api_fuzz.py

# Debian packages per role into build/deb/ (packaging/README.md): hallq-common, hallq-screen,
# hallq-hall, hallq-kiosk, hallq-console, hallq-display, hallq-central, hallq-window-controller.
deb: setup
	$(BIN)/python packaging/build_deb.py

# Build, list, install (dpkg -i, as root), run, upgrade, remove and purge the packages on
# this machine (a few minutes; not part of make test).
package-test: setup
	PYTHON=$(BIN)/python bash packaging/package_test.sh
