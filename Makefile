# The two commands a new machine needs: `make run` (kiosk in demo mode) and `make test`.
# Both set everything up: Debian packages when run as root, a virtual environment, the
# compiled translations.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= var/demo

.PHONY: run test soak bench bench-check cli-reference setup system-deps i18n i18n-extract i18n-report shots lint clean

# Demo mode: the bundled content, signed with a demo key and installed as a pack would be.
run: setup
	@keys=$$(VENV=$(VENV) scripts/demo-content.sh $${KIOSK_DATA_DIR:-$(DEMO_DIR)}) && \
	KIOSK_TRUSTED_KEYS=$${KIOSK_TRUSTED_KEYS:-$$keys} \
	KIOSK_DATA_DIR=$${KIOSK_DATA_DIR:-$(DEMO_DIR)} $(VENV)/bin/kiosk --demo

# Two workers (pytest-xdist), one test file each at a time: the suite keeps to its 15-minute
# budget on a 2-core machine. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
test: setup
	scripts/with-display.sh $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# make bench reports every figure against its target and exits 0 unless a benchmark broke;
# make bench-check (bench/run.py --strict) also fails when a target is missed.
bench: setup
	scripts/with-display.sh $(PY) bench/run.py $(BENCH_ARGS)

bench-check: setup
	scripts/with-display.sh $(PY) bench/run.py --strict $(BENCH_ARGS)

shots: setup
	scripts/with-display.sh $(VENV)/bin/kiosk shots --out docs/screenshots --lang en
	scripts/with-display.sh $(PY) scripts/centre_shots.py docs/screenshots
	KIOSK_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/hub/test_dashboard_browser.py \
	    tests/hub/test_fleet_browser.py tests/ui/test_browser_shots.py
	KIOSK_UPDATE_SCREENSHOTS=1 scripts/with-display.sh $(PY) -m pytest -q tests/ui/test_staff_shots.py

# docs/cli-reference.md from the programs' own --help (tests/unit/test_docs.py checks it).
cli-reference: $(STAMP)
	$(PY) scripts/cli_reference.py

setup: system-deps $(STAMP) i18n

system-deps:
	@scripts/system-deps.sh

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

# Compiles the gettext catalogues (.po -> .mo); .mo files are build output, never committed.
i18n: $(STAMP)
	@$(PY) -m kiosk.core.i18n compile

# Re-extracts interface strings into the templates and merges them into every catalogue:
# kiosk.pot from tr/fmt/ntr (what citizens read), staff.pot from st/sfmt/stn (the staff panel).
i18n-extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k tr -k fmt -k ntr:1,2 -k N_ --no-default-keywords \
	    --project=kiosk --msgid-bugs-address=translations@example.org \
	    --omit-header -o kiosk/locale/kiosk.pot .
	$(VENV)/bin/pybabel update -D kiosk -i kiosk/locale/kiosk.pot -d kiosk/locale --no-fuzzy-matching
	$(VENV)/bin/pybabel extract -F babel.cfg -k st -k sfmt -k stn:1,2 --no-default-keywords \
	    --project=kiosk --msgid-bugs-address=translations@example.org \
	    --omit-header -o kiosk/locale/staff.pot .
	@for dir in kiosk/locale/*/LC_MESSAGES; do lang=$$(basename $$(dirname $$dir)); \
	    [ -f $$dir/staff.po ] || $(VENV)/bin/pybabel init -D staff -l $$lang \
	        -i kiosk/locale/staff.pot -d kiosk/locale; done
	$(VENV)/bin/pybabel update -D staff -i kiosk/locale/staff.pot -d kiosk/locale --no-fuzzy-matching

i18n-report: $(STAMP)
	@$(PY) -m kiosk.core.i18n report

lint: setup
	$(VENV)/bin/ruff check kiosk tests bench scripts

clean:
	rm -rf $(VENV) build *.egg-info

# The monkey test at length: 20,000 random taps, drags, long presses and keys on the real
# app (make test runs 2,000). KIOSK_MONKEY_SEED picks another stream of actions.
soak: setup
	KIOSK_MONKEY_ACTIONS=$${KIOSK_MONKEY_ACTIONS:-20000} scripts/with-display.sh $(PY) -m pytest -q -s -p no:randomly tests/ui/test_monkey.py
	# The hub's API fuzzed at length from its own OpenAPI document (make test: 10 a route).
	KIOSK_FUZZ_EXAMPLES=$${KIOSK_FUZZ_EXAMPLES:-300} $(PY) -m pytest -q tests/hub/test_fuzz_api.py
