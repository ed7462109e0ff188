# The two commands of the README: `make demo` and `make test`. Both create .venv on first use
# and reuse it afterwards (the stamp file is rebuilt only when the dependency files change).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dlarena-installed

.PHONY: setup demo test test-full clean

$(STAMP): pyproject.toml requirements-cpu.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-cpu.txt
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/dlarena run --suite demo
	$(BIN)/dlarena report

test: setup
	$(BIN)/python -m pytest -q

# Every slow check in its full form (DLARENA_FULL_TESTS=1): well over an hour on 2 cores (the
# keras.applications parity on Keras 3 on JAX alone runs op by op, 4-8 min a model); CI runs the
# reduced forms (`make test`).
test-full: setup
	DLARENA_FULL_TESTS=1 $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) dlarena-results
