# The two commands of the README: `make demo` and `make test`. Both create .venv on first use
# and reuse it afterwards (the stamp file is rebuilt only when the dependency files change).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dlarena-installed

.PHONY: setup browser demo test test-full mutation mutmut clean

$(STAMP): pyproject.toml requirements-cpu.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-cpu.txt
	# keras-hub's tensorflow-text asks for the full `tensorflow` package, which would overwrite
	# tensorflow-cpu's files: both install without their dependencies (all in requirements-cpu.txt).
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/dlarena run --suite demo
	$(BIN)/dlarena report

# Test files run in TEST_WORKERS processes side by side (pytest-xdist), a file's tests together in one
# of them so that its fixtures are built once. Most of a test's time is single-threaded start-up
# (imports, worker processes), so two of them fill a 2-core machine (531 -> 361 s).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Where chromium could not be installed the browser tests skip, named in the summary (not a failure).
NO_BROWSER = $$([ -n "$$DLARENA_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || echo chromium)

test: setup browser
	DLARENA_TESTS_WITHOUT="$${DLARENA_TESTS_WITHOUT:-$(NO_BROWSER)}" $(PYTEST)

# The browser tests drive Debian's chromium through playwright (playwright's own browser download is not
# reachable everywhere). As root with apt-get it is installed here; elsewhere install it yourself, or say
# `make test` then declares it missing (DLARENA_TESTS_WITHOUT=chromium): the test skips, named.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: tests/test_report_browser.py cannot run (see Makefile: browser)"

# Every slow check in its full form (DLARENA_FULL_TESTS=1): well over an hour on 2 cores (the
# keras.applications parity on Keras 3 on JAX alone runs op by op, 4-8 min a model); CI runs the
# reduced forms (`make test`).
test-full: setup browser
	DLARENA_TESTS_WITHOUT="$${DLARENA_TESTS_WITHOUT:-$(NO_BROWSER)}" DLARENA_FULL_TESTS=1 $(PYTEST)

# Hand-made mutations of the decision code (tools/mutations.toml), each applied, tested by the fast
# tests it names and restored: the mutation score of docs/mutation.md as a command (15-30 minutes
# on 2 cores; `make mutation MUTATE_ARGS="M01 M07"` for some, "--whole-files" for whole test files).
mutation: setup
	$(BIN)/python tools/mutate.py --baseline $(MUTATE_ARGS)

# mutmut 3 over the decision modules (docs/mutation.md, "mutmut 3"): the whole of verdict, stats, drift
# and noise_floor, the decision functions of the others (tools/mutmut_scores.py, MUTMUT_SETS); its
# mutants in mutants/, the fast tests of [tool.mutmut] in pyproject.toml. About 1.5 hours on a loaded
# 2-core machine: `make mutmut MUTMUT_SET="dlarena.measure.drift.*"` for one set, then the table.
E = dlarena.runner.engine.xǁSpeedEngineǁ
MUTMUT_SET ?= "dlarena.measure.verdict.*" "dlarena.measure.stats.*" "dlarena.measure.drift.*" "dlarena.parity.noise_floor.*" \
	$(foreach f,rows claims dated device _device,"dlarena.claims.evaluators.x_$(f)__*") \
	$(foreach f,parse_priorities latest_factors recommend what_would_change strongest,"dlarena.recommend.x_$(f)__*") \
	"dlarena.runner.engine.x_busy_note__*" $(foreach f,run _replacement_rounds _next_round _undecided _estimate _finish _add_between_run,"$(E)$(f)__*") \
	$(foreach f,completed_cells cells finish_run mark_running run,"dlarena.store.db.xǁResultStoreǁ$(f)__*") \
	$(foreach f,conform _load_npy _load_npz _declared_members _check_integers,"dlarena.deploy.protocol.x_$(f)__*")
mutmut: setup
	nice -n 10 $(BIN)/python -m mutmut run --max-children 2 $(MUTMUT_SET); $(BIN)/python tools/mutmut_scores.py --survivors

clean:
	rm -rf $(VENV) dlarena-results mutants
