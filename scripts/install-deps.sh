#!/usr/bin/env bash
# Installs what dnagrad needs from Debian 12's packages, skipping apt when everything is there.
# Runs apt through sudo when not root. With --fuzz, also what the fuzz targets (fuzz/) need:
# clang, its runtimes (libclang-rt-dev: libFuzzer and the sanitizers, only a recommendation of
# clang, so not installed with it here) and LLVM's OpenMP (libomp-dev).
set -euo pipefail
# libblis-serial-dev: the CPU GEMM (cmake/blas.cmake), single-threaded inside our OpenMP threads.
# python3: the interpreter alone (standard library), for the numeric checks of the cli tests.
# libsqlite3-dev: the run registry (genomics/train/registry.h).
packages=(cmake ninja-build g++ libeigen3-dev doctest-dev libcli11-dev nlohmann-json3-dev
  libhts-dev pkg-config libblis-serial-dev python3 libsqlite3-dev)
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-dev libomp-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
