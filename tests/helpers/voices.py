"""Voices for the announcer's tests: every clip a short tone instead of recorded speech, and
the mark for the tests that need espeak-ng and sox to speak for real.

A tone voice has the same folder of ``<clip>.wav`` files as a recorded one, so the announcer
builds its calls from it the same way; the test can tell the clips apart by pitch but cannot
understand them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from display import audio, voice

#: Skips a test on a machine without espeak-ng and sox (setup installs both): they speak the
#: sentence and make the sample clip set.
needs_espeak = pytest.mark.skipif(voice.espeak_path() is None or voice.sox_path() is None,
                                  reason="espeak-ng or sox not installed")


def tone_voice(folder: Path, names: tuple[str, ...] = voice.CLIP_NAMES) -> Path:
    """A voice whose every clip is a short tone (each a different pitch)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names):
        t = np.arange(int(0.1 * audio.RATE)) / audio.RATE
        samples = 0.5 * np.sin(2 * np.pi * (200 + 20 * index) * t)
        (folder / f"{name}.wav").write_bytes(audio.to_wav(samples.astype(np.float32)))
    return folder
