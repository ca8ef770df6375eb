# Two entry points, both from a fresh machine with only Python:
#   make demo   set up .venv and run the batch job on generated data (outputs under out/)
#   make test   set up .venv with the dev extra, lint, and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint format bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.core-installed: $(VENV)/bin/python setup.cfg pyproject.toml
	$(PY) -m pip install -q -e .
	touch $@

# lifelines declares pandas<3, which would make pip take pandas 2; it runs on pandas 3, so it is
# installed without its declared dependencies (the survival extra brings the ones it needs).
$(VENV)/.dev-installed: $(VENV)/bin/python setup.cfg pyproject.toml
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps "lifelines>=0.30"
	touch $@ $(VENV)/.core-installed

demo: $(VENV)/.core-installed
	$(PY) -m crm_analytics demo --output out

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Two test workers on two cores: one OpenMP thread each (scikit-learn's boosting would
# otherwise start a thread per core in each worker and oversubscribe the machine); the Spark
# tests share one worker (xdist_group "spark"), so one Spark session starts, not two.
test: lint
	OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadgroup --nbmake

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.dev-installed
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) out build *.egg-info
