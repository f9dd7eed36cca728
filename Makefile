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

# Quiet: one line when done (uv's per-package lines and pip's notices only on failure).
$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(UV) || ($(PYTHON) -m venv $(VENV) && \
	  $(VENV)/bin/pip install -qq --disable-pip-version-check uv==$(UV_VERSION))
	@$(UV) sync --quiet --frozen --inexact
	@# byte-compile the package: runs start faster, also where PYTHONDONTWRITEBYTECODE is set
	@$(VENV)/bin/python -m compileall -q pipeline
	@touch $@
	@echo "setup: $(VENV)/ synced with uv.lock"

## run: the whole pipeline on raw/ (extract → validate → publish) through DVC. A failing stage
## stops make with the tool's exit code ("Error 10"), not DVC's 255 (see README, "Exit codes").
## DVC's hints that do not apply (autostage; `dvc push` while no remote is configured) are
## dropped from its output; everything else, and every error, passes through.
EXIT_FILE := $(CURDIR)/.dvc/tmp/plan-extract.exit
NO_PUSH_HINT := $(if $(shell grep -s '^\[.*remote' .dvc/config .dvc/config.local),,-e '/^Use `dvc push`/d')
## The stages DVC runs fork from a process kept warm beside it (`plan-extract warm`: their
## modules, GX among them, imported while DVC starts); `make run PLAN_EXTRACT_WARM=0` runs each
## stage in a process of its own instead. README, "How `make run` stays warm".
WARM_SOCKET := $(CURDIR)/.dvc/tmp/plan-extract/warm.sock
ifneq ($(PLAN_EXTRACT_WARM),0)
WARM_START = $(VENV)/bin/plan-extract warm --socket $(WARM_SOCKET) </dev/null >/dev/null 2>&1 & \
  warm=$$!; export PLAN_EXTRACT_WARM_SOCKET=$(WARM_SOCKET);
WARM_STOP = kill $$warm 2>/dev/null; wait $$warm;
endif
run: setup
	@mkdir -p $(dir $(EXIT_FILE)) && rm -f $(EXIT_FILE)
	@{ $(WARM_START) PYTHONUNBUFFERED=1 PLAN_EXTRACT_EXIT_FILE=$(EXIT_FILE) $(VENV)/bin/dvc repro; \
	  echo $$? > $(EXIT_FILE).dvc; $(WARM_STOP) } \
	  | sed -u -e '/^To enable auto staging, run:/,/autostage true/d' $(NO_PUSH_HINT); \
	  code=$$(cat $(EXIT_FILE).dvc); rm -f $(EXIT_FILE).dvc; \
	  if [ $$code -ne 0 ] && [ -s $(EXIT_FILE) ]; then code=$$(cat $(EXIT_FILE)); fi; \
	  rm -f $(EXIT_FILE); exit $$code

## test: the test suite
test: setup
	$(VENV)/bin/pytest -q

## bench: speed and memory benchmark (writes bench/results.json)
bench: setup
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) staged exports reports .dvc/tmp
