# One entry point for every task.  `make demo` and `make test` are the two
# commands of the README; both set up what they need themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# nbgrader runs `alembic` and `jupyter` from PATH: put the venv first.
export PATH := $(abspath $(VENV))/bin:$(PATH)
ASSIGNMENTS := $(notdir $(wildcard source/0*))

.PHONY: help install release demo test system-deps lab grade bench student-bundle solutions clean

help:
	@echo "make demo   - set up, regenerate release/, autograde the demo class, print the grades"
	@echo "make test   - run every test (installs what the tests need first)"
	@echo "make lab    - open JupyterLab on the student files, as a student sees them"
	@echo "make release - regenerate release/ from source/ with nbgrader"
	@echo "make grade  - autograde submitted/ in parallel, in sandboxed kernels; writes grades.csv"
	@echo "make student-bundle - write build/student-bundle/, the student repository (no solutions)"
	@echo "make solutions ASSIGNMENT=<name> - add its worked solutions to the bundle, once it is due"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

release: install
	@for a in $(ASSIGNMENTS); do \
	  echo "nbgrader generate_assignment $$a"; \
	  $(PY) -m nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; \
	done

demo: release
	$(PY) -m autograder demo --root build/demo --csv grades.csv

# System parts some tests need (Chromium, PostgreSQL, configurable-http-proxy,
# the hub's unix accounts); each script installs only what is missing.
system-deps: install
	bash scripts/ensure_browser.sh
	bash scripts/ensure_postgres.sh
	bash scripts/ensure_hub.sh

test: system-deps
	$(PY) -m pytest

# Grade what is under submitted/ (nbgrader's layout) with the trusted, parallel grader.
grade: install
	$(PY) -m autograder grade $(ASSIGNMENTS)

# Benchmarks (not tests): grading throughput against plain nbgrader, widget
# latency, notebook run-all time.  See bench/README.md.
bench: install
	$(PY) bench/run_all.py $(BENCH_ARGS)

student-bundle: install
	$(PY) scripts/student_bundle.py build/student-bundle

# Worked solutions of the ungraded exercises (solutions/<assignment>/, never in
# release/) go into the student bundle only after the gradebook's due date;
# SOLUTIONS_ARGS=--force publishes earlier.
solutions: install
	@test -n "$(ASSIGNMENT)" || { echo "usage: make solutions ASSIGNMENT=<assignment> [SOLUTIONS_ARGS=--force]"; exit 2; }
	test -f build/student-bundle/.student-bundle || $(PY) scripts/student_bundle.py build/student-bundle
	$(PY) scripts/publish_solutions.py $(ASSIGNMENT) build/student-bundle $(SOLUTIONS_ARGS)

lab: install
	rm -rf build/student && mkdir -p build/student && cp -r release/* build/student/
	cd build/student && NBGRADER_EXECUTION= $(abspath $(VENV))/bin/jupyter lab

clean:
	rm -rf build grades.csv .pytest_cache
