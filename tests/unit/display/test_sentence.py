"""The synthesised sentence: one utterance from espeak-ng, shaped by sox, kept on disk so a
repeat is read, not spoken again."""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path

import numpy as np

from display import audio, voice
from display.sentence import SentenceVoice
from tests.helpers.voices import needs_espeak

pytestmark = needs_espeak

A018 = voice.call_pinyin("A018", "3")


def test_a_sentence_is_22_khz_mono_trimmed_and_normalised(tmp_path: Path) -> None:
    data, cached = SentenceVoice(tmp_path).wav(A018)
    assert not cached
    with wave.open(io.BytesIO(data)) as sound:
        assert (sound.getframerate(), sound.getnchannels(), sound.getsampwidth()) == (
            22050, 1, 2)
        pcm = np.frombuffer(sound.readframes(sound.getnframes()), dtype="<i2")
    assert 2.0 < pcm.size / 22050 < 4.0, "one call, said once"
    assert abs(20 * np.log10(np.abs(pcm).max() / 32768) + 1.0) < 0.2, "peak at -1 dBFS"
    edge = int(0.05 * 22050)
    assert np.abs(pcm[:edge]).max() > 300, "no silence left before the speech"


def test_a_repeat_reads_the_cache(tmp_path: Path) -> None:
    sentences = SentenceVoice(tmp_path)
    first, cached = sentences.wav(A018)
    assert not cached and sentences.path(A018).read_bytes() == first
    marker = audio.to_wav(audio.chime())  # what is in the file is what the repeat returns
    sentences.path(A018).write_bytes(marker)
    again, cached = sentences.wav(A018)
    assert cached and again == marker
    other, cached = sentences.wav(voice.call_pinyin("A018", "4"))
    assert not cached and other != first, "another window is another sentence"


def test_the_cache_keeps_the_most_recently_used(tmp_path: Path) -> None:
    sentences = SentenceVoice(tmp_path, max_files=2)
    calls = [voice.call_pinyin(f"A00{n}", "1") for n in range(3)]
    sentences.wav(calls[0])
    sentences.wav(calls[1])
    past = sentences.path(calls[1]).stat().st_mtime - 60
    os.utime(sentences.path(calls[1]), (past, past))
    sentences.wav(calls[0])  # used again: newest
    sentences.wav(calls[2])
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == sorted(
        sentences.path(c).name for c in (calls[0], calls[2]))


def test_other_settings_make_another_file(tmp_path: Path) -> None:
    assert SentenceVoice(tmp_path, speed=170).path(A018) != SentenceVoice(tmp_path).path(A018)
