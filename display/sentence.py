"""Whole call sentences spoken by espeak-ng, shaped by sox and cached on disk.

A call is spoken as one utterance ("qing3 A ling2 yi1 ba1 hao4, dao4 san1 hao4 chuang1 kou3
ban4 li3", see :func:`display.voice.clips_pinyin`), so espeak-ng gives it a sentence's
intonation: a phrase break after the ticket number and the fall at the end, instead of
syllables spliced with gaps. sox then cuts the silence around it, takes out rumble below
90 Hz, lifts the treble above 3 kHz by 3 dB (clearer in a hall's echo) and brings its peak
to -1 dBFS. The result is mono 16-bit PCM at 22.05 kHz (espeak-ng's own rate, the
announcer's :data:`display.audio.RATE`).

Each sentence is kept in the cache folder (``voice_data_dir()/sentences`` unless told) as
``<key>.wav``, the key a hash of the pinyin and every setting that shapes the sound; a repeat
(a recall, a number called again to the same window) reads the file instead of speaking
again. The cache keeps the :data:`MAX_FILES` most recently used sentences.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from display import audio, voice

log = logging.getLogger("hallq.sentence")

#: Words a minute: a clear pace for a hall (espeak-ng's default is 175).
SPEED_WPM = 190
#: What sox does to espeak-ng's sentence (see the module docstring).
EFFECTS = ("highpass", "90", "treble", "3", "3k",
           "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse",
           "norm", "-1")
#: Sentences kept in the cache (about 140 KB each).
MAX_FILES = 300
#: Bumped when the way a sentence is made changes, so old cache files are not reused.
FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """Where sentences are cached by default."""
    return voice.voice_data_dir() / "sentences"


class SentenceVoice:
    """Speaks pinyin sentences with espeak-ng and sox, each once: later it reads the cache."""

    def __init__(self, cache_dir: Path | str | None = None, speed: int = SPEED_WPM,
                 max_files: int = MAX_FILES) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.speed = speed
        self.max_files = max_files

    def path(self, pinyin: str) -> Path:
        """The cache file of a sentence."""
        settings = f"{FORMAT_VERSION}|{voice.PINYIN_VOICE}|{self.speed}|{audio.RATE}|{EFFECTS}"
        key = hashlib.sha256(f"{settings}|{pinyin}".encode()).hexdigest()[:24]
        return self.cache_dir / f"{key}.wav"

    def wav(self, pinyin: str) -> tuple[bytes, bool]:
        """The sentence as WAV bytes, and whether it came from the cache. Raises
        :class:`display.voice.VoiceError` when espeak-ng or sox is missing or fails."""
        path = self.path(pinyin)
        try:
            data = path.read_bytes()
            os.utime(path)  # most recently used: pruned last
            return data, True
        except OSError:
            pass
        raw = voice.espeak_wav(pinyin, voice.PINYIN_VOICE, self.speed)
        shaped = voice.sox_process(raw, list(EFFECTS), audio.RATE)
        self._store(path, shaped)
        return shaped, False

    def samples(self, pinyin: str) -> tuple[audio.Samples, bool]:
        """The sentence as samples at :data:`display.audio.RATE`, and whether it was cached."""
        data, cached = self.wav(pinyin)
        return audio.read_wav(data), cached

    def _store(self, path: Path, data: bytes) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(path)
        except OSError as err:
            log.warning("could not cache a sentence in %s: %s", self.cache_dir, err)
            return
        self.prune()

    def prune(self) -> int:
        """Remove the least recently used sentences beyond :attr:`max_files`; how many."""
        try:
            files = sorted(self.cache_dir.glob("*.wav"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return 0
        removed = 0
        for old in files[:max(0, len(files) - self.max_files)]:
            try:
                old.unlink()
                removed += 1
            except OSError:
                pass
        return removed
