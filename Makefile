# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/edgesim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/edgesim
	$(BIN)/edgesim up

test: $(BIN)/edgesim
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: $(BIN)/edgesim
	$(BIN)/python bench/hit_path.py

clean:
	rm -rf $(VENV) logs .pytest_cache
