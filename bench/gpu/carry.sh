#!/usr/bin/env bash
# Run on the BUILD machine (which has the headers installed) before sending the tree to a GPU
# machine that cannot download anything: copies the header-only dependencies and their CMake
# package files into the git-ignored folder .carry/, laid out like /usr so that
# -DCMAKE_PREFIX_PATH=$PWD/.carry finds them (bench/gpu/1-tests.sh does that when needed):
#   .carry/include/{eigen3,doctest,CLI,nlohmann}
#   .carry/share/eigen3/cmake, .carry/lib/cmake/doctest, .carry/share/cmake/{CLI11,nlohmann_json}
# Usage (from the repository root): bench/gpu/carry.sh    then carry ".carry" with the call.
set -euo pipefail

if [[ ! -f CMakeLists.txt || ! -d kernels ]]; then
  echo "carry.sh: run me from the dnagrad repository root" >&2
  exit 1
fi

CARRY=.carry
rm -rf "$CARRY"
mkdir -p "$CARRY/include" "$CARRY/lib/cmake" "$CARRY/share/cmake" "$CARRY/share/eigen3"

copy() {  # copy SRC DEST_DIR: fails loudly when SRC is missing
  if [[ ! -e "$1" ]]; then
    echo "carry.sh: $1 not found on this machine (install it: scripts/install-deps.sh)" >&2
    exit 1
  fi
  cp -r "$1" "$2"
}

copy /usr/include/eigen3 "$CARRY/include/"
copy /usr/include/doctest "$CARRY/include/"
copy /usr/include/CLI "$CARRY/include/"
copy /usr/include/nlohmann "$CARRY/include/"
copy /usr/share/eigen3/cmake "$CARRY/share/eigen3/"
copy /usr/lib/cmake/doctest "$CARRY/lib/cmake/"
copy /usr/share/cmake/CLI11 "$CARRY/share/cmake/"
copy /usr/share/cmake/nlohmann_json "$CARRY/share/cmake/"

# Debian's doctest package file hard-codes its prefix as /usr; make it relative like the others
# (lib/cmake/doctest -> three levels up is the prefix).
sed -i 's|^set(_IMPORT_PREFIX "/usr")|get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)|' \
  "$CARRY/lib/cmake/doctest/doctestTargets.cmake"
if grep -q '"/usr"' "$CARRY/lib/cmake/doctest/doctestTargets.cmake"; then
  echo "carry.sh: could not relocate doctestTargets.cmake" >&2
  exit 1
fi

echo "carry.sh: $(du -sh "$CARRY" | cut -f1) in $CARRY/ -- pass \".carry\" in the device call's carry list"
