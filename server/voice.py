"""Pre-recorded voice fragments joined into one WAV: the audio of a call announcement.

``VoiceLibrary`` owns the clip files of one folder (one ``<fragment>.wav`` per name of
``server.domain.announcement.all_fragments``). A clip is read on first use and kept: the
whole Russian library is about 1.5 MB. Every clip must share the format of the first one
read (channels, sample width, rate); a clip that does not, or a missing one, is a broken
installation and raises ``VoiceAssetError`` (a 500 at the web edge, not a client's fault).
Rendered announcements are cached per fragment tuple, a bounded LRU: a board asks for the
same call again on every recall.
"""

from __future__ import annotations

import functools
import io
import threading
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.domain.announcement import CHIME

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "assets" / "voice" / "ru"
PAUSE_SECONDS = 0.12
CHIME_PAUSE_SECONDS = 0.3


class VoiceAssetError(RuntimeError):
    """A voice clip is missing, unreadable or not in the library's common format."""


@dataclass(frozen=True)
class AudioFormat:
    channels: int
    sample_width: int  # bytes per sample
    rate: int  # frames per second

    def __str__(self) -> str:
        return f"{self.channels} channel(s), {8 * self.sample_width}-bit, {self.rate} Hz"


@dataclass(frozen=True)
class Clip:
    format: AudioFormat
    frames: bytes

    @property
    def frame_count(self) -> int:
        return len(self.frames) // (self.format.channels * self.format.sample_width)


class VoiceLibrary:
    """The clips of ``directory``, rendered into announcements on demand."""

    def __init__(
        self,
        directory: Path = DEFAULT_DIRECTORY,
        *,
        pause: float = PAUSE_SECONDS,
        chime_pause: float = CHIME_PAUSE_SECONDS,
        cache_size: int = 128,
    ) -> None:
        self.directory = Path(directory)
        self.pause = pause
        self.chime_pause = chime_pause
        self._clips: dict[str, Clip] = {}
        self._format: AudioFormat | None = None
        self._lock = threading.Lock()
        # Per instance, not on the method: a method-level lru_cache would keep every library
        # (and its clips) alive for the life of the process.
        self._render_cached = functools.lru_cache(maxsize=cache_size)(self._render)

    @property
    def format(self) -> AudioFormat:
        """The common format: the first clip's (read now if none was read yet)."""
        if self._format is None:
            return self.clip(CHIME).format  # the first clip read fixes the format
        return self._format

    def clip(self, name: str) -> Clip:
        """The clip of fragment ``name``, read on first use and checked against the format."""
        clip = self._clips.get(name)
        if clip is None:
            clip = self._read(name)
            with self._lock:
                if self._format is None:
                    self._format = clip.format
                elif clip.format != self._format:
                    raise VoiceAssetError(
                        f"voice clip {self._path(name)} is {clip.format}, but the clips read "
                        f"before it are {self._format}: all must share one format; regenerate "
                        "them with scripts/build_voice.py"
                    )
                self._clips[name] = clip
        return clip

    def pause_after(self, name: str) -> int:
        """Frames of silence after fragment ``name`` when another one follows."""
        seconds = self.chime_pause if name == CHIME else self.pause
        return round(seconds * self.format.rate)

    def render(self, fragments: Sequence[str]) -> bytes:
        """One WAV file's bytes: ``fragments`` in order, a pause between each two."""
        if not fragments:
            raise ValueError("nothing to render: no fragments")
        return self._render_cached(tuple(fragments))

    def _render(self, fragments: tuple[str, ...]) -> bytes:
        clips = [self.clip(name) for name in fragments]
        fmt = self.format
        frame_size = fmt.channels * fmt.sample_width
        silence_byte = b"\x80" if fmt.sample_width == 1 else b"\x00"  # 8-bit WAV is unsigned
        parts: list[bytes] = []
        for name, clip in zip(fragments, clips, strict=True):
            parts += [clip.frames, silence_byte * (self.pause_after(name) * frame_size)]
        parts.pop()  # no pause after the last fragment
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(fmt.channels)
            wav.setsampwidth(fmt.sample_width)
            wav.setframerate(fmt.rate)
            wav.writeframes(b"".join(parts))
        return out.getvalue()

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.wav"

    def _read(self, name: str) -> Clip:
        if "/" in name or "\\" in name or name.startswith("."):
            raise VoiceAssetError(f"bad voice fragment name {name!r}")
        path = self._path(name)
        try:
            with wave.open(str(path), "rb") as wav:
                fmt = AudioFormat(wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
                frames = wav.readframes(wav.getnframes())
        except FileNotFoundError:
            raise VoiceAssetError(
                f"voice clip {path} is missing: regenerate with scripts/build_voice.py"
            ) from None
        except (wave.Error, EOFError) as exc:
            raise VoiceAssetError(f"voice clip {path} is not a readable WAV file: {exc}") from exc
        return Clip(fmt, frames)
