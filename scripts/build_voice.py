"""Regenerate the hall board's voice fragments: server/assets/voice/ru/<fragment>.wav.

    .venv/bin/python scripts/build_voice.py            # every fragment
    .venv/bin/python scripts/build_voice.py num-17     # only the named ones

Speech comes from espeak-ng's Russian voice (Debian: ``apt-get install espeak-ng sox``); sox
trims the leading and trailing silence, peak-normalises and converts every clip to one format
(mono, 16-bit, 16000 Hz) without dither, so a rerun with the same tools gives the same bytes.
The chime is synthesised here with the standard library. What is said is owned by
``server.domain.announcement``: this script records ``fragment_text(name)`` for every name of
``all_fragments()`` and deletes clips no longer listed there. Only this script needs the two
tools; the generated clips are committed.
"""

from __future__ import annotations

import argparse
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file from anywhere, not only as an installed package
    sys.path.insert(0, str(ROOT))

from server.domain.announcement import all_fragments, fragment_text  # noqa: E402

OUT = ROOT / "server" / "assets" / "voice" / "ru"
RATE = 16000
VOICE = "ru"
WORDS_PER_MINUTE = 150  # a little slower than espeak's 175: a hall is noisy and echoes
LETTER_WORDS_PER_MINUTE = 120  # a letter name alone is a syllable or two: give it time
# What espeak-ng is given instead of the text, where it would say the text badly: it reads a
# lone «и» as the conjunction, clipped to 40 ms; the combining acute makes it a stressed vowel.
ESPEAK_SPELLING = {"и": "и\u0301", "и краткое": "и\u0301 краткое"}
SILENCE = ["1", "0.01", "-45d"]  # a clip starts at the first 10 ms above -45 dBFS
PEAK_DB = "-1"

CHIME_SECONDS = 0.8
CHIME_TONES = ((0.0, 659.26), (0.3, 523.25))  # (start s, Hz): E5 then C5, "ding-dong"
CHIME_PEAK = 0.45  # of full scale: softer than the speech that follows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="fragments to rebuild (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)

    known = all_fragments()
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(f"unknown fragments: {', '.join(unknown)}")
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        parser.error(f"{' and '.join(missing)} not found: apt-get install espeak-ng sox")

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.names or known:
            target = args.out / f"{name}.wav"
            text = fragment_text(name)
            if text is None:
                write_chime(target)
            else:
                speed = LETTER_WORDS_PER_MINUTE if name.startswith("letter-") else WORDS_PER_MINUTE
                speak(ESPEAK_SPELLING.get(text, text), speed, target, Path(scratch) / "raw.wav")
            check_format(target)
    if not args.names:
        for stale in sorted(set(args.out.glob("*.wav")) - {args.out / f"{n}.wav" for n in known}):
            stale.unlink()
            print(f"removed {stale.name}")
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(f"{len(args.names or known)} fragments written to {args.out} ({total / 1024:.0f} KiB)")
    return 0


def speak(text: str, speed: int, target: Path, scratch: Path) -> None:
    """Record ``text`` with espeak-ng and normalise it with sox into ``target``."""
    subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(speed), "-w", str(scratch), "--", text],
        check=True,
    )
    subprocess.run(
        ["sox", "-D", str(scratch), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed",
         str(target), "silence", *SILENCE, "reverse", "silence", *SILENCE, "reverse",
         "norm", PEAK_DB],
        check=True,
    )


def write_chime(target: Path) -> None:
    """Two soft bell-like tones: a fast attack, an exponential decay, a short fade at the end."""
    count = int(CHIME_SECONDS * RATE)
    samples = [0.0] * count
    for start, frequency in CHIME_TONES:
        for i in range(int(start * RATE), count):
            t = i / RATE - start
            envelope = min(1.0, t / 0.008) * math.exp(-t / 0.22)
            phase = 2 * math.pi * frequency * t
            samples[i] += envelope * (math.sin(phase) + 0.15 * math.sin(2 * phase))
    fade = int(0.03 * RATE)
    for i in range(fade):
        samples[count - 1 - i] *= i / fade
    scale = CHIME_PEAK * 32767 / max(abs(s) for s in samples)
    frames = struct.pack(f"<{count}h", *(round(s * scale) for s in samples))
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


def check_format(path: Path) -> None:
    with wave.open(str(path), "rb") as clip:
        shape = (clip.getnchannels(), clip.getsampwidth(), clip.getframerate())
        if shape != (1, 2, RATE) or clip.getnframes() == 0:
            raise SystemExit(f"{path}: {shape}, {clip.getnframes()} frames: not mono 16-bit "
                             f"{RATE} Hz audio")


if __name__ == "__main__":
    sys.exit(main())
