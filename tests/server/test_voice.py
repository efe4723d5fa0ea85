"""Voice of the call: the committed clips, rendering them into one WAV, and the public endpoint."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.domain.announcement import CHIME, all_fragments, announce_call
from server.voice import DEFAULT_DIRECTORY, VoiceAssetError, VoiceLibrary

RATE = 16000
MAX_ASSET_BYTES = 3 * 1024 * 1024


def read_wav(data: bytes) -> tuple[tuple[int, int, int], bytes]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
        return shape, wav.readframes(wav.getnframes())


def write_clip(path: Path, frames: int, *, rate: int = RATE, level: int = 1000) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(struct.pack("<h", level) * frames)


@pytest.mark.parametrize("name", all_fragments())
def test_every_fragment_is_committed_as_mono_16_bit_audio(name: str) -> None:
    with wave.open(str(DEFAULT_DIRECTORY / f"{name}.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        # Something audible, and trimmed: no clip is longer than two seconds.
        assert 0.1 * RATE < wav.getnframes() < 2 * RATE
        frames = wav.readframes(wav.getnframes())
    assert max(abs(s) for (s,) in struct.iter_unpack("<h", frames)) > 3000


def test_asset_folder_holds_only_fragments_in_use_and_stays_small() -> None:
    on_disk = {p.stem for p in DEFAULT_DIRECTORY.glob("*.wav")}
    assert on_disk == set(all_fragments())
    folder = DEFAULT_DIRECTORY.parent
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < MAX_ASSET_BYTES


def test_rendered_call_is_the_fragments_joined_by_pauses() -> None:
    library = VoiceLibrary()
    fragments = announce_call("А-017", 3)
    shape, frames = read_wav(library.render(fragments))
    assert shape == (1, 2, RATE)
    clips = [library.clip(name).frame_count for name in fragments]
    pauses = round(0.3 * RATE) + round(0.12 * RATE) * (len(fragments) - 2)
    assert len(frames) // 2 == sum(clips) + pauses
    # The pause after the chime is silence, and the chime's own frames come first.
    chime = library.clip(CHIME)
    assert frames.startswith(chime.frames)
    gap = frames[len(chime.frames): len(chime.frames) + 2 * round(0.3 * RATE)]
    assert gap == bytes(len(gap))
    assert frames.endswith(library.clip("num-3").frames)


def test_pauses_are_configurable_and_follow_the_chime_rule(tmp_path: Path) -> None:
    write_clip(tmp_path / "chime.wav", 100)
    write_clip(tmp_path / "a.wav", 50)
    library = VoiceLibrary(tmp_path, pause=0.01, chime_pause=0.05)
    _, frames = read_wav(library.render(["chime", "a", "a"]))
    assert len(frames) // 2 == 100 + 800 + 50 + 160 + 50


def test_renders_are_cached_per_fragment_list(tmp_path: Path) -> None:
    write_clip(tmp_path / "chime.wav", 10)
    library = VoiceLibrary(tmp_path, cache_size=2)
    first = library.render(["chime", "chime"])
    assert library.render(("chime", "chime")) is first
    assert library.render(["chime"]) is not first


def test_clips_of_another_format_are_refused(tmp_path: Path) -> None:
    write_clip(tmp_path / "chime.wav", 10)
    write_clip(tmp_path / "num-1.wav", 10, rate=22050)
    library = VoiceLibrary(tmp_path)
    with pytest.raises(VoiceAssetError, match=r"num-1\.wav is 1 channel\(s\), 16-bit, 22050 Hz"):
        library.render(["chime", "num-1"])


def test_missing_or_broken_clips_are_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.wav").write_bytes(b"not a wav file")
    library = VoiceLibrary(tmp_path)
    with pytest.raises(VoiceAssetError, match="missing"):
        library.render(["chime"])
    with pytest.raises(VoiceAssetError, match="not a readable WAV"):
        library.clip("broken")
    with pytest.raises(VoiceAssetError, match="bad voice fragment name"):
        library.clip("../chime")


def test_nothing_to_render_is_an_error() -> None:
    with pytest.raises(ValueError, match="no fragments"):
        VoiceLibrary().render([])


def test_call_audio_is_public_wav(app: Flask, client: FlaskClient) -> None:
    response = client.get("/voice/call.wav", query_string={"label": "К-017", "window": "2"})
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    shape, frames = read_wav(response.data)
    assert shape == (1, 2, RATE)
    assert response.data == app.extensions["talon.voice"].render(announce_call("К-017", 2))
    assert len(frames) > RATE  # chime, «талон ка семнадцать окно два»: well over a second


def test_call_audio_accepts_a_prefix_no_service_uses(client: FlaskClient) -> None:
    response = client.get("/voice/call.wav?label=QZ-1234&window=1")
    assert response.status_code == 200
    assert read_wav(response.data)[0] == (1, 2, RATE)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "window=2",
        "label=%D0%9A-017",
        "label=&window=2",
        "label=%D0%9A17&window=2",
        "label=%D0%9A-000&window=2",
        "label=%D0%9A-017&window=abc",
        "label=%D0%9A-017&window=0",
        "label=%D0%9A-017&window=1000",
        "label=%D0%9A-017&window=+2",
        "label=%D0%9A-017&window=%D9%A2",
    ],
)
def test_malformed_call_queries_are_400_with_a_json_error(
    client: FlaskClient, query: str
) -> None:
    response = client.get(f"/voice/call.wav?{query}")
    assert response.status_code == 400
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == "invalid_announcement"
    assert error["message"]


def test_a_window_the_office_does_not_have_is_404(client: FlaskClient) -> None:
    response = client.get("/voice/call.wav", query_string={"label": "К-017", "window": "99"})
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] == "unknown_window"
    assert response.json["error"]["details"] == {"window": 99}
