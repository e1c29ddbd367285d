# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= 1
OUT    ?= out

.PHONY: run test test-oldest lint setup clean

$(BIN)/iamd: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/iamd

setup: $(BIN)/iamd

run: setup
	$(BIN)/iamd run --seed $(SEED) --out $(OUT)

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest src tests

# The lowest versions pyproject.toml allows, resolved by uv (--resolution lowest-direct), on
# the tests that lean on the dependencies' APIs: file formats (pandas, pyarrow), the solvers
# (SciPy, HiGHS), geodesy and borders (pyproj, shapely), the schema (pydantic), exports; and
# the engine's same bytes when stepped or run whole (numpy 2.0's OpenBLAS broke it here).
OLDEST := .venv-oldest
OLDEST_TESTS := tests/track tests/engage/test_wta_solvers.py tests/plan tests/geo \
	tests/scenario tests/interop/test_export.py tests/test_files.py tests/sim/test_sim_clock.py

$(OLDEST)/bin/iamd: pyproject.toml
	$(PYTHON) -m venv $(OLDEST)-uv
	$(OLDEST)-uv/bin/pip install --quiet uv
	$(OLDEST)-uv/bin/uv venv --quiet --python $(PYTHON) $(OLDEST)
	$(OLDEST)-uv/bin/uv pip install --quiet --python $(OLDEST)/bin/python \
		--resolution lowest-direct -e '.[dev]'
	@touch $(OLDEST)/bin/iamd

test-oldest: $(OLDEST)/bin/iamd
	$(OLDEST)/bin/pytest -p no:cacheprovider -W ignore::DeprecationWarning $(OLDEST_TESTS)

clean:
	rm -rf $(VENV) $(OLDEST) $(OLDEST)-uv $(OUT) .pytest_cache .mypy_cache .ruff_cache
