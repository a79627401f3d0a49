"""Sound for the announcer: WAV clips as numpy arrays, the chime, and the players.

Everything is mono 16-bit PCM at :data:`RATE`; clips recorded at other rates are resampled.
A player either plays on the audio device (``paplay``, ``aplay`` or sox ``play``) or, on a
headless machine and in tests, writes each announcement to a WAV file in an output folder.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
import time
import wave
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger("hallq.audio")

#: Sample rate of everything the announcer plays (espeak-ng's own rate).
RATE = 22050
Samples = np.ndarray


def read_wav(source: Path | str | bytes) -> Samples:
    """A WAV file or WAV bytes as mono float32 samples at :data:`RATE`."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with wave.open(handle, "rb") as wav:
        width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"only 16-bit PCM clips are supported (got {8 * width}-bit)")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return resample(samples, rate, RATE)


def resample(samples: Samples, rate: int, target: int = RATE) -> Samples:
    """Linear resampling (good enough for speech clips)."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32)
    count = int(round(samples.size * target / rate))
    positions = np.linspace(0, samples.size - 1, count)
    return np.interp(positions, np.arange(samples.size), samples).astype(np.float32)


def trim(samples: Samples, threshold: float = 0.02, margin_s: float = 0.02) -> Samples:
    """Cut the silence before and after a clip, keeping a short margin."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    margin = int(margin_s * RATE)
    return samples[max(0, loud[0] - margin):loud[-1] + margin + 1]


def silence(seconds: float) -> Samples:
    """A pause."""
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def chime(notes: tuple[float, ...] = (880.0, 659.25), note_s: float = 0.45,
          volume: float = 0.5) -> Samples:
    """A two-tone "ding-dong": each note a sine with a soft octave and an exponential decay."""
    t = np.arange(int(note_s * RATE), dtype=np.float32) / RATE
    envelope = np.exp(-4.0 * t) * np.minimum(1.0, t / 0.005)
    parts = [(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)) / 1.3 * envelope
             for f in notes]
    return (volume * np.concatenate(parts)).astype(np.float32)


def to_wav(samples: Samples) -> bytes:
    """Float samples (-1..1) as 16-bit mono WAV bytes."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()


def duration_s(wav_bytes: bytes) -> float:
    """How long WAV bytes play."""
    with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


class Player(Protocol):
    """Plays one announcement to its end (blocking); returns where it went (a file or device)."""

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Play and wait until done."""
        ...


class DevicePlayer:
    """Plays through a command-line player on the audio device, one sound at a time."""

    def __init__(self, command: list[str]) -> None:
        self.command = command

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Play ``wav_bytes`` and wait for the end."""
        with tempfile.NamedTemporaryFile(suffix=".wav", prefix="hallq-") as tmp:
            tmp.write(wav_bytes)
            tmp.flush()
            try:
                subprocess.run([*self.command, tmp.name], check=True, capture_output=True,
                               timeout=duration_s(wav_bytes) + 10)
            except (OSError, subprocess.SubprocessError) as err:
                log.warning("could not play %s with %s: %s", name, self.command[0], err)
                return "failed"
        return f"device:{self.command[0]}"


class FileWriter:
    """Writes each announcement to ``out_dir`` as a WAV file; with ``realtime`` it also takes
    as long as the sound would play, like a speaker (so queueing behaves the same)."""

    def __init__(self, out_dir: Path | str, realtime: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.realtime = realtime
        self._count = 0

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Write the WAV file."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._count += 1
        path = self.out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._count:04d}-{name}.wav"
        path.write_bytes(wav_bytes)
        if self.realtime:
            time.sleep(duration_s(wav_bytes))
        return str(path)


def audio_device_present() -> bool:
    """True when a sound server or an ALSA device is there to play on."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    pulse = bool(os.environ.get("PULSE_SERVER")) or (
        bool(runtime) and (Path(runtime) / "pulse" / "native").exists())
    return pulse or Path("/dev/snd").is_dir()


def device_command() -> list[str] | None:
    """The first player program found: paplay, aplay, sox's play."""
    for command in (["paplay"], ["aplay", "-q"], ["play", "-q"]):
        if shutil.which(command[0]):
            return command
    return None


def choose_player(mode: str, out_dir: Path | str) -> Player:
    """``device``, ``files``, or ``auto`` (the device when there is one, else files)."""
    if mode in ("auto", "device"):
        command = device_command()
        if command is not None and (mode == "device" or audio_device_present()):
            return DevicePlayer(command)
        if mode == "device":
            log.warning("no audio player program found; writing announcements to %s", out_dir)
    return FileWriter(out_dir)
