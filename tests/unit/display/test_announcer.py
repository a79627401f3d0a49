"""The announcer: what a call says, how the WAV is built, and that calls never overlap."""

import io
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from display import audio, voice
from display.announcer import AFTER_CHIME_S, BETWEEN_REPEATS_S, GAP_S, PAUSE_AFTER, Announcer
from tests.helpers.fake_devices import RecordingPlayer
from tests.helpers.voices import needs_espeak, tone_voice


# ---------------------------------------------------------------------- sentences
def test_ticket_digits_one_by_one_and_the_window_as_a_number() -> None:
    assert voice.call_clips("A001", "3") == ["qing", "A", "0", "0", "1", "hao", "dao", "3",
                                             "hao", "chuangkou", "banli"]
    assert voice.call_clips("B012", "14")[6:9] == ["dao", "shi", "4"]


@pytest.mark.parametrize(("window", "clips"), [
    ("1", ["1"]), ("10", ["shi"]), ("14", ["shi", "4"]), ("20", ["2", "shi"]),
    ("27", ["2", "shi", "7"]), ("100", ["1", "bai"]), ("105", ["1", "bai", "0", "5"]),
    ("110", ["1", "bai", "1", "shi"]), ("270", ["2", "bai", "7", "shi"]),
    ("V2", ["V", "2"]), ("1000", ["1", "0", "0", "0"]), ("0", ["0"]),
])
def test_window_numbers_read_the_chinese_way(window: str, clips: list[str]) -> None:
    assert voice.number_clips(window) == clips


def test_text_and_pinyin_of_a_call() -> None:
    assert voice.call_text("A001", "3") == "请 A001 号到 3 号窗口办理"
    assert voice.call_pinyin("A018", "14") == (
        "qing3 A ling2 yi1 ba1 hao4, dao4 shi2 si4 hao4 chuang1 kou3 ban4 li3"), (
        "one sentence, a phrase break after the ticket number, 1 read 一")


def test_every_clip_a_call_can_need_is_in_a_complete_voice() -> None:
    needed = set(voice.call_clips("Z987", "119")) | set(voice.call_clips("A001", "V3"))
    assert needed <= set(voice.CLIP_NAMES)


# ---------------------------------------------------------------------- sound
def test_chime_is_two_tones() -> None:
    chime = audio.chime(notes=(880.0, 660.0), note_s=0.4)
    half = chime.size // 2
    for part, expected in ((chime[:half], 880.0), (chime[half:], 660.0)):
        spectrum = np.abs(np.fft.rfft(part))
        peak = np.fft.rfftfreq(part.size, 1 / audio.RATE)[spectrum.argmax()]
        assert abs(peak - expected) < 5
    assert np.abs(chime).max() <= 1.0


def test_read_wav_mixes_stereo_and_resamples(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(np.full(44100 * 2, 16384, dtype="<i2").tobytes())
    samples = audio.read_wav(path)
    assert abs(samples.size - audio.RATE) <= 1
    assert np.allclose(samples, 0.5, atol=1e-3)


def test_trim_cuts_silence_around_a_clip() -> None:
    clip = np.concatenate([audio.silence(0.5), np.full(100, 0.5, np.float32),
                           audio.silence(0.5)])
    trimmed = audio.trim(clip, margin_s=0.0)
    assert trimmed.size == 100


def test_compose_is_a_chime_and_the_sentence_twice(tmp_path: Path) -> None:
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=RecordingPlayer())
    wav, source = announcer.compose("A001", "3")
    assert source == "clips"
    names = voice.call_clips("A001", "3")
    clip = int(0.1 * audio.RATE)
    sentence = sum(clip + int((GAP_S + PAUSE_AFTER.get(n, 0.0)) * audio.RATE) for n in names)
    expected = (audio.chime().size + int(AFTER_CHIME_S * audio.RATE) + 2 * sentence
                + int(BETWEEN_REPEATS_S * audio.RATE) + int(0.2 * audio.RATE))
    samples = audio.read_wav(wav)
    assert abs(samples.size - expected) <= len(names) * 4
    start = audio.chime().size + int(AFTER_CHIME_S * audio.RATE)
    first = samples[start:start + sentence]
    second_start = start + sentence + int(BETWEEN_REPEATS_S * audio.RATE)
    second = samples[second_start:second_start + sentence]
    assert np.allclose(first, second, atol=2e-4)


@pytest.mark.allow_log("has no clip", "no speech for")
def test_a_missing_clip_falls_back_to_the_sentence_or_the_chime(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tone_voice(tmp_path / "voice", tuple(n for n in voice.CLIP_NAMES if n != "Z"))
    announcer = Announcer(folder, player=RecordingPlayer(), cache_dir=tmp_path / "cache")
    monkeypatch.setattr(voice, "espeak_path", lambda: None)  # espeak-ng not installed
    wav, source = announcer.compose("Z001", "3")
    assert source == "chime"
    assert audio.duration_s(wav) < 2.0
    _, source = announcer.compose("A001", "3")
    assert source == "clips"


@pytest.mark.allow_log("has no clip")
@needs_espeak
def test_a_set_without_a_needed_clip_speaks_the_sentence(tmp_path: Path) -> None:
    folder = tone_voice(tmp_path / "voice", tuple(n for n in voice.CLIP_NAMES if n != "Z"))
    announcer = Announcer(folder, player=RecordingPlayer(), cache_dir=tmp_path / "cache")
    wav, source = announcer.compose("Z001", "3")
    assert source == "sentence" and 5.0 < audio.duration_s(wav) < 10.0


# ---------------------------------------------------------------------- a clip set, in order
def _tone_names(samples: np.ndarray) -> list[str]:
    """The clips of a tone voice heard in ``samples``, in order (each tone's pitch names it)."""
    loud = np.convolve(np.abs(samples), np.ones(110) / 110, mode="same") > 0.05
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    names = []
    for start, end in zip(edges[::2], edges[1::2], strict=False):
        part = samples[start + 1:end + 1]
        spectrum = np.abs(np.fft.rfft(part, 8 * audio.RATE))
        pitch = np.fft.rfftfreq(8 * audio.RATE, 1 / audio.RATE)[spectrum.argmax()]
        names.append(voice.CLIP_NAMES[round((pitch - 200) / 20)])
    return names


def test_a_clip_set_is_spliced_in_the_order_of_the_sentence(tmp_path: Path) -> None:
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=RecordingPlayer(), repeat=1)
    wav, source = announcer.compose("A018", "14")
    assert source == "clips"
    speech = audio.read_wav(wav)[audio.chime().size:]
    assert _tone_names(speech) == ["qing", "A", "0", "1", "8", "hao", "dao", "shi", "4", "hao",
                                   "chuangkou", "banli"]


# ---------------------------------------------------------------------- the queue
@needs_espeak
def test_without_a_clip_set_the_call_is_one_sentence_said_twice(tmp_path: Path) -> None:
    announcer = Announcer(player=RecordingPlayer(), cache_dir=tmp_path / "cache")
    wav, source = announcer.compose("A018", "3")
    assert source == "sentence"
    with wave.open(io.BytesIO(wav)) as sound:
        assert (sound.getframerate(), sound.getnchannels(), sound.getsampwidth()) == (
            22050, 1, 2)
    assert 5.0 < audio.duration_s(wav) < 9.5, "a call said twice, well under the old 11.6 s"
    samples = audio.read_wav(wav)
    start = audio.chime().size + int(AFTER_CHIME_S * audio.RATE)
    sentence = (samples.size - start - int((BETWEEN_REPEATS_S + 0.2) * audio.RATE)) // 2
    first = samples[start:start + sentence]
    second = samples[start + sentence + int(BETWEEN_REPEATS_S * audio.RATE):][:sentence]
    assert np.allclose(first, second, atol=2e-4), "the same sentence twice"
    assert 2.0 < sentence / audio.RATE < 4.0


@needs_espeak
def test_a_repeated_call_comes_from_the_cache(tmp_path: Path) -> None:
    announcer = Announcer(player=RecordingPlayer(seconds=0.0), cache_dir=tmp_path / "cache")
    try:
        first = announcer.announce("A018", "3")
        assert announcer.wait_idle(10)
        again = announcer.announce("A018", "3")  # a recall
        other = announcer.announce("A019", "3")
        assert announcer.wait_idle(10)
    finally:
        announcer.stop()
    assert (first.cached, again.cached, other.cached) == (False, True, False)
    assert len(list((tmp_path / "cache").glob("*.wav"))) == 2
    assert first.ready_at is not None and first.started_at is not None
    assert first.queued_at <= first.ready_at <= first.started_at


def test_queued_calls_play_one_after_another(tmp_path: Path) -> None:
    player = RecordingPlayer(seconds=0.08)
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=player)
    try:
        first = announcer.announce("A001", "3")
        second = announcer.announce("B002", "14")
        assert announcer.wait_idle(10)
    finally:
        announcer.stop()
    assert [a.number for a in announcer.announced] == ["A001", "B002"]
    assert not player.overlapped
    (s1, e1, n1), (s2, e2, n2) = player.spans
    assert (n1, n2) == ("A001-w3", "B002-w14")
    assert e1 <= s2
    assert first.finished_at is not None and second.started_at is not None
    assert first.finished_at <= second.started_at
    assert first.text == "请 A001 号到 3 号窗口办理" and first.source == "clips"
    assert first.output == "test:A001-w3"


def test_announce_returns_at_once(tmp_path: Path) -> None:
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=RecordingPlayer(seconds=0.3))
    try:
        started = time.monotonic()
        for n in range(3):
            announcer.announce(f"A00{n}", "1")
        assert time.monotonic() - started < 0.1
        assert announcer.wait_idle(10)
    finally:
        announcer.stop()
    assert len(announcer.announced) == 3


def test_a_stale_call_is_skipped(tmp_path: Path) -> None:
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=RecordingPlayer(),
                          max_age_s=0.0)
    try:
        item = announcer.announce("A001", "1")
        assert announcer.wait_idle(5)
    finally:
        announcer.stop()
    assert item.skipped and item.started_at is None


def test_file_writer_writes_one_wav_per_announcement(tmp_path: Path) -> None:
    announcer = Announcer(tone_voice(tmp_path / "voice"),
                          player=audio.FileWriter(tmp_path / "out"))
    try:
        announcer.announce("A001", "3")
        assert announcer.wait_idle(5)
    finally:
        announcer.stop()
    [done] = announcer.announced
    path = Path(done.output)
    assert path.parent == tmp_path / "out" and path.name.endswith("-A001-w3.wav")
    assert abs(audio.duration_s(path.read_bytes()) - done.duration_s) < 1e-6


def test_choose_player(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(audio.choose_player("files", tmp_path), audio.FileWriter)
    monkeypatch.setattr(audio, "audio_device_present", lambda: False)
    assert isinstance(audio.choose_player("auto", tmp_path), audio.FileWriter)
    monkeypatch.setattr(audio, "audio_device_present", lambda: True)
    monkeypatch.setattr(audio, "device_command", lambda: ["play", "-q"])
    player = audio.choose_player("auto", tmp_path)
    assert isinstance(player, audio.DevicePlayer) and player.command == ["play", "-q"]
