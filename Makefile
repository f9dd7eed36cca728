# plan-extract — the two commands an analyst needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
UV     := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_COMPILE_BYTECODE := 1
export UV_NO_PROGRESS := 1
export GX_ANALYTICS_ENABLED := false
export DVC_NO_ANALYTICS := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test bench setup clean

## setup: create .venv and install the locked dependencies (uv.lock)
setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(UV) || ($(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q uv==$(UV_VERSION))
	$(UV) sync --frozen --inexact
	@# byte-compile the package: runs start faster, also where PYTHONDONTWRITEBYTECODE is set
	$(VENV)/bin/python -m compileall -q pipeline
	touch $@

## run: the whole pipeline on raw/ (extract → validate → export) through DVC
run: setup
	$(VENV)/bin/dvc repro

## test: the test suite
test: setup
	$(VENV)/bin/pytest -q

## bench: speed and memory benchmark (writes bench/results.json)
bench: setup
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) staged exports reports .dvc/tmp
