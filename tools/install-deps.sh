#!/usr/bin/env bash
# Installs, from Debian's packages, everything crossmf needs to build, test and report.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
packages=(build-essential cmake pkg-config
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev libboost-program-options-dev libspdlog-dev libgtest-dev
  python3 python3-h5py python3-numpy python3-matplotlib)
# The tests run the job under CPUs emulated without AVX-512 and without AVX (tests/cli/levels_test.sh).
if [ "$(uname -m)" = x86_64 ]; then packages+=(qemu-user); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
