# Set-up is part of every target: the virtual environment .venv is created from
# requirements.lock when missing, and reinstalled when the lock or pyproject.toml
# is newer than it. Nothing else needs installing by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mspr-installed

export MLFLOW_DISABLE_TELEMETRY := true
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test venv bench bench-cases lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

## The main job: every stage on the bundled default case, three simulated teams.
demo: $(STAMP)
	$(VENV)/bin/mspr demo --out build/demo

## The test suite.
test: $(STAMP)
	$(PY) -m pytest

## Benchmarks (timings are measured here, never asserted in tests).
bench: $(STAMP)
	$(PY) benchmarks/run.py

## Time `mspr case check` on every bundled case.
bench-cases: $(STAMP)
	$(PY) benchmarks/case_check.py

## Regenerate requirements.lock from requirements.in (on purpose only).
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	build/lockenv/bin/pip freeze --exclude-editable | grep -v '^mspr' > requirements.lock

clean:
	rm -rf build
