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

.PHONY: demo test venv bench bench-cases bench-engine bench-deployment lock clean sandbox deps-systeme hub-deps

## Each submission is executed in a bubblewrap sandbox (Debian package
## "bubblewrap"; setpriv and prlimit come with util-linux). Installed here when
## missing and run as root; otherwise grading still runs, says in French which
## protections it cannot apply, and records that in every grade file.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installation de bubblewrap (bac à sable des rendus)…"; \
	    apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; } || \
	      echo "Attention : installation du paquet Debian « bubblewrap » impossible : les rendus seront exécutés sans isolation du système."; \
	  else \
	    echo "Attention : bubblewrap (bwrap) est absent : installez le paquet Debian « bubblewrap » (sudo apt-get install bubblewrap), sinon les rendus sont exécutés sans isolation du système."; \
	  fi; }

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

## The main job: every stage on the bundled default case, three simulated teams.
demo: $(STAMP) sandbox
	$(VENV)/bin/mspr demo --out build/demo

## System packages (Debian): headless Chromium for the accessibility test of the
## candidate report, Pango/HarfBuzz and a font for WeasyPrint's PDF reports.
## Installed with apt when missing and run as root; otherwise a French message says what to install.
SYSTEM_DEPS := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core

deps-systeme:
	@missing=$$(for p in $(SYSTEM_DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q "install ok installed" || echo $$p; done | tr '\n' ' '); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installation des paquets système manquants : $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq $$missing; \
	else \
	  echo "Paquets système manquants : $$missing(PDF des rapports, test d'accessibilité ignoré)."; \
	  echo "  → installez-les en root : make deps-systeme, ou : sudo apt-get install $$missing"; \
	fi

## configurable-http-proxy (JupyterHub's proxy) from the npm registry, into build/node
## (git-ignored); needs Node.js and npm, otherwise a French message says what to install.
CHP_VERSION := 5.3.0
CHP := build/node/node_modules/.bin/configurable-http-proxy

hub-deps:
	@test -x $(CHP) || { \
	  if command -v npm >/dev/null 2>&1; then \
	    echo "Installation de configurable-http-proxy $(CHP_VERSION) (npm) dans build/node…"; \
	    mkdir -p build/node && npm install --silent --no-audit --no-fund --prefix build/node \
	      configurable-http-proxy@$(CHP_VERSION) >/dev/null || \
	      echo "Attention : installation de configurable-http-proxy impossible : le hub d'essai (mspr hub up) et son test seront ignorés."; \
	  else \
	    echo "Attention : npm est absent : installez Node.js et npm (paquets Debian « nodejs » et « npm ») puis « make hub-deps » ; sans lui, le hub d'essai (mspr hub up) et son test sont ignorés."; \
	  fi; }

## The test suite. The case checks of the other bundled cases (tests/test_case_check.py: the whole pipeline, a
## few minutes each, mostly waiting on the sandboxes) run in a second pytest process beside the rest, their
## report in build/test-case-check.log; the target fails when a test of either fails.
## `.venv/bin/python -m pytest` runs the same tests one after another.
SIDE_TESTS := tests/test_case_check.py

test: $(STAMP) sandbox deps-systeme hub-deps
	@mkdir -p build
	@$(PY) -m pytest -p no:cacheprovider $(SIDE_TESTS) > build/test-case-check.log 2>&1 & side=$$!; \
	trap 'kill $$side 2>/dev/null' INT TERM; \
	$(PY) -m pytest --ignore=$(SIDE_TESTS); main=$$?; \
	wait $$side; other=$$?; \
	if [ $$other -eq 0 ]; then \
	  echo "$(SIDE_TESTS) (en parallèle) : $$(tail -n 1 build/test-case-check.log)"; \
	else \
	  echo "$(SIDE_TESTS) (en parallèle) : ÉCHEC, rapport complet dans build/test-case-check.log"; \
	  tail -n 80 build/test-case-check.log; \
	fi; \
	[ $$main -eq 0 ] && [ $$other -eq 0 ]

## Benchmarks (timings are measured here, never asserted in tests).
bench: $(STAMP) sandbox
	$(PY) benchmarks/run.py

## Time `mspr case check` on every bundled case.
bench-cases: $(STAMP) sandbox
	$(PY) benchmarks/case_check.py

## The A3 reference deployment test (Locust) of every bundled case: latency percentiles and throughput.
bench-deployment: $(STAMP)
	$(PY) benchmarks/deployment.py

## The grading engine's benchmark (parallel vs nbgrader alone, isolation cost, vs nbconvert).
bench-engine: $(STAMP) sandbox
	$(PY) benchmarks/engine.py

## Regenerate requirements.lock from requirements.in (on purpose only).
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	build/lockenv/bin/pip freeze --exclude-editable | grep -v '^mspr' > requirements.lock

clean:
	rm -rf build
