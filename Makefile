# The two commands of README.md: `make demo` starts a whole hall, `make test` runs every test.
# Both set up what they need first (Debian packages, .venv, Python packages).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench

setup:
	@bash packaging/setup.sh

demo: setup
	$(BIN)/hallq demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the house's import rules: [tool.importlinter] in pyproject.toml

test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m bench.all
