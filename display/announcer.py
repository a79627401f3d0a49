"""The Mandarin announcer: "请 A001 号到 3 号窗口办理" (or, for a ticket served by video from
another hall, "请 B012 号到视频服务区办理"), after a chime, said twice.

Calls queue up and are spoken one at a time by a worker thread, so an announcement never cuts
another off and the screen never waits for the speaker. Each announcement's sound is prepared
as soon as the call arrives (by a second thread, while an earlier call may still be playing).
Its speech is the whole sentence spoken by espeak-ng (:mod:`display.sentence`, cached on disk
so a repeat costs nothing), or, when the hall gave a recorded clip set (``voice_dir``, see
:mod:`display.clipset`), the hall's clips spliced in order; a set lacking a clip a call needs
falls back to the sentence, and without espeak-ng only the chime sounds. What was announced is
kept in :attr:`Announcer.announced` (for tests and the technician).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from display import audio, voice
from display.sentence import SentenceVoice

log = logging.getLogger("hallq.announcer")

#: Pauses, in seconds.
GAP_S = 0.05
AFTER_CHIME_S = 0.25
BETWEEN_REPEATS_S = 0.7
#: Longer pauses after these recorded words ("请 | A001 号 | 到 | 3 号窗口办理").
PAUSE_AFTER = {"qing": 0.12, "dao": 0.1}


@dataclass
class Announcement:
    """One call to announce and, once played, how it went."""

    number: str
    window: str
    text: str
    clips: list[str]
    booth: bool = False
    """A call to the video booth (云叫号) rather than to a window."""
    queued_at: float = field(default_factory=time.monotonic)
    source: str = ""
    """``clips`` (the hall's clip set), ``sentence`` (espeak-ng) or ``chime`` (no speech)."""
    cached: bool = False
    """The sentence came from the cache."""
    ready_at: float | None = None
    """When its sound was ready to play (monotonic)."""
    output: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    duration_s: float = 0.0
    skipped: bool = False
    prepared: Future[bytes] | None = field(default=None, repr=False, compare=False)
    """Its sound, being made since the call arrived."""


class Announcer:
    """Speaks calls one after another from a worker thread.

    ``voice_dir`` is a hall's recorded clip set (default: none, the sentence is synthesised);
    ``cache_dir`` where synthesised sentences are kept; ``player`` plays or writes the sound
    (default: chosen by :func:`display.audio.choose_player`).
    Calls older than ``max_age_s`` when their turn comes are skipped: a hall does not want to
    hear a call from minutes ago.
    """

    def __init__(self, voice_dir: Path | str | None = None, player: audio.Player | None = None,
                 out_dir: Path | str = "var/announcements", repeat: int = 2,
                 max_age_s: float = 180.0, cache_dir: Path | str | None = None) -> None:
        self.voice_dir = Path(voice_dir) if voice_dir else None
        self.sentences = SentenceVoice(cache_dir)
        self.player = player or audio.choose_player("auto", out_dir)
        self.repeat = repeat
        self.max_age_s = max_age_s
        self._prepare: ThreadPoolExecutor | None = None
        self._clips: dict[str, np.ndarray] = {}
        self._chime: np.ndarray | None = None
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._done: list[Announcement] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life cycle
    def start(self) -> Announcer:
        """Start the worker thread."""
        if self._thread is None:
            self._prepare = ThreadPoolExecutor(1, thread_name_prefix="announcer-prepare")
            self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Let the queued announcements finish, then stop the worker."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        if self._prepare is not None:
            self._prepare.shutdown(wait=False, cancel_futures=True)
            self._prepare = None

    # ------------------------------------------------------------------ use
    def announce(self, number: str, window: str) -> Announcement:
        """Queue a call; returns at once."""
        return self._queue_up(Announcement(number=number, window=window,
                                           text=voice.call_text(number, window),
                                           clips=voice.call_clips(number, window)))

    def announce_booth(self, number: str, booth: str = "") -> Announcement:
        """Queue a call to video booth ``booth`` (its number, as on its sign: "请 B012 号到
        视频服务区1号办理"); returns at once."""
        return self._queue_up(Announcement(number=number, window=booth, booth=True,
                                           text=voice.booth_text(number, booth),
                                           clips=voice.booth_clips(number, booth)))

    def _queue_up(self, item: Announcement) -> Announcement:
        self.start()
        assert self._prepare is not None
        item.prepared = self._prepare.submit(self._compose_item, item)
        with self._lock:
            self._pending += 1
        self._queue.put(item)
        return item

    @property
    def announced(self) -> list[Announcement]:
        """The announcements finished so far, oldest first."""
        with self._lock:
            return list(self._done)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or playing."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # ------------------------------------------------------------------ sound
    def compose(self, number: str, window: str, booth: bool = False) -> tuple[bytes, str]:
        """The WAV of one announcement (to a window, or with ``booth`` to the video booth
        numbered ``window``) and where its speech came from."""
        wav, source, _ = self._compose(number, window, booth)
        return wav, source

    def _compose(self, number: str, window: str, booth: bool) -> tuple[bytes, str, bool]:
        sentence, source, cached = self._speech(number, window, booth)
        parts = [self._get_chime(), audio.silence(AFTER_CHIME_S)]
        for turn in range(self.repeat if source != "chime" else 0):
            if turn:
                parts.append(audio.silence(BETWEEN_REPEATS_S))
            parts.append(sentence)
        parts.append(audio.silence(0.2))
        return audio.to_wav(np.concatenate(parts)), source, cached

    def _compose_item(self, item: Announcement) -> bytes:
        wav, item.source, item.cached = self._compose(item.number, item.window, item.booth)
        item.ready_at = time.monotonic()
        return wav

    def _speech(self, number: str, window: str, booth: bool) -> tuple[np.ndarray, str, bool]:
        """The sentence once: from the clip set, else espeak-ng; and whether it was cached."""
        names = (voice.booth_clips(number, window) if booth
                 else voice.call_clips(number, window))
        clips = self._load_clips(names) if self.voice_dir is not None else None
        if clips is not None:
            parts = []
            for name, samples in zip(names, clips, strict=True):
                parts += [samples, audio.silence(GAP_S + PAUSE_AFTER.get(name, 0.0))]
            return np.concatenate(parts), "clips", False
        try:
            spoken, cached = self.sentences.samples(voice.clips_pinyin(names))
            return spoken, "sentence", cached
        except voice.VoiceError as err:
            log.warning("no speech for %s: %s", number, err)
            return audio.silence(0.0), "chime", False

    def _get_chime(self) -> np.ndarray:
        if self._chime is None:
            recorded = self.voice_dir / "chime.wav" if self.voice_dir else None
            self._chime = (audio.read_wav(recorded) if recorded and recorded.is_file()
                           else audio.chime())
        return self._chime

    def _load_clips(self, names: list[str]) -> list[np.ndarray] | None:
        """The clips of the hall's set, or None when it lacks one of them."""
        assert self.voice_dir is not None
        result = []
        for name in names:
            if name not in self._clips:
                path = self.voice_dir / f"{name}.wav"
                if not path.is_file():
                    log.warning("clip set %s has no clip %r; speaking the sentence instead",
                                self.voice_dir, name)
                    return None
                try:
                    self._clips[name] = audio.trim(audio.read_wav(path))
                except (OSError, ValueError, EOFError) as err:
                    log.warning("bad clip %s: %s", path, err)
                    return None
            result.append(self._clips[name])
        return result

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._play(item)
            except Exception:
                log.exception("announcement of %s failed", item.number)
            finally:
                with self._idle:
                    self._done.append(item)
                    self._pending -= 1
                    self._idle.notify_all()

    def _play(self, item: Announcement) -> None:
        if time.monotonic() - item.queued_at > self.max_age_s:
            item.skipped = True
            log.info("skipped a stale announcement of %s", item.number)
            return
        wav = item.prepared.result() if item.prepared else self._compose_item(item)
        item.duration_s = audio.duration_s(wav)
        item.started_at = time.monotonic()
        where = "booth" if item.booth else f"w{item.window}"
        item.output = self.player.play(wav, f"{item.number}-{where}")
        item.finished_at = time.monotonic()
        log.info("announced %s (%s)", item.text, item.source)
