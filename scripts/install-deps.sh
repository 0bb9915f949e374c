#!/usr/bin/env bash
# Installs what dnagrad needs from Debian 12's packages, skipping apt when everything is there.
# Runs apt through sudo when not root.
set -euo pipefail
packages=(cmake ninja-build g++ libeigen3-dev doctest-dev libcli11-dev nlohmann-json3-dev
  libhts-dev pkg-config)
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
