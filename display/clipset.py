"""A recorded clip set: the words of a call recorded by a person, which a hall drops in.

With a clip set the announcer splices the hall's own recordings ("请 | A | 零 | 一 | 八 | 号 |
到 | 三 | 号 | 窗口 | 办理") instead of speaking the sentence with espeak-ng. Start the wall
display with ``hallq display --voice FOLDER``; check a set with ``hallq voice check FOLDER``
and listen to a call with ``hallq voice say A018 --window 3 --voice FOLDER --out call.wav``.

**Folder.** One folder, every file directly in it, names exactly as below (lower case, ASCII,
so a USB stick formatted FAT copies them unchanged), extension ``.wav``.

**Files** (43 required):

- ``0.wav`` … ``9.wav``: 零 一 二 三 四 五 六 七 八 九 (ticket digits one by one, and the
  digits of window numbers; record 一 as the hall wants to hear it: 一 or 幺);
- ``A.wav`` … ``Z.wav``: the ticket letters, by their English names as halls say them;
- ``qing.wav`` 请, ``hao.wav`` 号, ``dao.wav`` 到, ``chuangkou.wav`` 窗口, ``banli.wav`` 办理,
  ``shi.wav`` 十 and ``bai.wav`` 百 (window numbers: 14 is 十四, 105 is 一百零五).

Optional: ``shipinfuwuqu.wav`` 视频服务区 (calls to the video booth; without it those calls are
spoken by espeak-ng) and ``chime.wav`` (the sound before each call; without it the built-in
two-tone chime).

**Sound.** WAV, PCM signed 16-bit, mono; sample rate 16000, 22050, 24000, 32000, 44100 or
48000 Hz (22050 or 44100 recommended; everything is resampled to 22050 Hz when played;
8 kHz telephone recordings are refused: too dull for a hall). One word per file, the same
speaker, microphone and distance for every file, spoken as within the sentence (号 falling).

**Lengths**, of the sound itself (silence quieter than -34 dBFS before and after is cut when
played): at most 1.2 s for the one-syllable clips (digits, letters, 请 号 到 十 百), 1.5 s for
窗口 and 办理, 2.5 s for 视频服务区, 3.0 s for the chime.

**Loudness.** Peaks normalised to about -1 dBFS; never clipped (three or more samples in a row
at full scale); not silent (peak above -30 dBFS); every clip's level (RMS of its sound)
within 10 dB of the set's median, so no word jumps out.
"""

from __future__ import annotations

import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from display import audio, voice

log = logging.getLogger("hallq.clipset")

#: Clips every set has.
REQUIRED = tuple(n for n in voice.CLIP_NAMES if n != "shipinfuwuqu")
#: Clips a set may have.
OPTIONAL = ("shipinfuwuqu", "chime")
RATES = (16000, 22050, 24000, 32000, 44100, 48000)
#: Longest sound, in seconds, by clip name (:data:`SYLLABLE_MAX_S` for the others).
MAX_S = {"chuangkou": 1.5, "banli": 1.5, "shipinfuwuqu": 2.5, "chime": 3.0}
SYLLABLE_MAX_S = 1.2
SILENT_PEAK = 10 ** (-30 / 20)
LEVEL_SPREAD_DB = 10.0
#: sox effects that make a generated sample clip: trimmed, no rumble, peak at -1 dBFS.
SAMPLE_EFFECTS = ["highpass", "90", "silence", "1", "0.02", "1%", "reverse",
                  "silence", "1", "0.02", "1%", "reverse", "norm", "-1"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file of a clip set."""

    file: str
    kind: str
    """``missing``, ``unreadable``, ``format``, ``stereo``, ``rate``, ``too_long``,
    ``clipped``, ``silent`` or ``level``."""
    zh: str
    en: str

    def line(self) -> str:
        """The problem as one bilingual line."""
        return f"{self.file}: {self.zh} / {self.en}"


@dataclass
class Report:
    """What :func:`check` found: the problems, and the optional clips that are absent."""

    folder: Path
    problems: list[Problem]
    absent_optional: list[str]
    checked: int

    @property
    def complete(self) -> bool:
        """True when the announcer can speak every call to a window from this set."""
        return not self.problems


def check(folder: Path | str) -> Report:
    """Check every clip of a set against the format in this module's docstring."""
    base = Path(folder)
    problems: list[Problem] = []
    levels: dict[str, float] = {}
    absent = []
    checked = 0
    for name in REQUIRED + OPTIONAL:
        path = base / f"{name}.wav"
        if not path.is_file():
            if name in OPTIONAL:
                absent.append(name)
            else:
                problems.append(Problem(path.name, "missing", "缺少此文件", "file missing"))
            continue
        checked += 1
        found, level = check_file(path, name)
        problems += found
        if level is not None and name != "chime":
            levels[path.name] = level
    problems += _level_problems(levels)
    return Report(base, problems, absent, checked)


def check_file(path: Path, name: str) -> tuple[list[Problem], float | None]:
    """The problems of one clip, and its level in dBFS (None when it cannot be measured)."""
    file = path.name
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as err:
        return [Problem(file, "unreadable", f"不是可读的 WAV 文件（{err}）",
                        f"not a readable WAV file ({err})")], None
    problems = []
    if width != 2:
        return [Problem(file, "format", f"{8 * width} 位采样，需要 16 位 PCM",
                        f"{8 * width}-bit samples; needs 16-bit PCM")], None
    if channels != 1:
        problems.append(Problem(file, "stereo", f"{channels} 个声道，需要单声道",
                                f"{channels} channels; needs mono"))
    if rate not in RATES:
        problems.append(Problem(file, "rate", f"采样率 {rate} Hz，需要 {_rates()} Hz 之一",
                                f"sample rate {rate} Hz; needs one of {_rates()} Hz"))
    pcm = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)
    if _clipped(pcm):
        problems.append(Problem(file, "clipped", "削波（连续满幅采样），请降低录音电平",
                                "clipped (samples in a row at full scale); record lower"))
    samples = pcm.mean(axis=1).astype(np.float32) / 32768.0
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak < SILENT_PEAK:
        problems.append(Problem(file, "silent", "无声（峰值低于 -30 dBFS）",
                                "silent (peak below -30 dBFS)"))
        return problems, None
    sound = audio.trim(samples, margin_s=0.0)
    seconds = sound.size / rate
    limit = MAX_S.get(name, SYLLABLE_MAX_S)
    if seconds > limit:
        problems.append(Problem(file, "too_long", f"声音长 {seconds:.2f} 秒，最长 {limit} 秒",
                                f"{seconds:.2f} s of sound; at most {limit} s"))
    rms = float(np.sqrt(np.mean(np.square(sound)))) if sound.size else 0.0
    return problems, 20 * np.log10(max(rms, 1e-9))


def _clipped(pcm: np.ndarray) -> bool:
    """Three or more samples in a row at full scale, on any channel."""
    full = np.abs(pcm.astype(np.int32)) >= 32767
    for channel in full.T:
        run = np.convolve(channel.astype(np.int8), np.ones(3, dtype=np.int8), mode="valid")
        if run.size and int(run.max()) >= 3:
            return True
    return False


def _level_problems(levels: dict[str, float]) -> list[Problem]:
    """Clips whose level is more than :data:`LEVEL_SPREAD_DB` from the set's median."""
    if len(levels) < 3:
        return []
    median = float(np.median(list(levels.values())))
    problems = []
    for file, level in levels.items():
        if abs(level - median) > LEVEL_SPREAD_DB:
            word_zh, word_en = ("响", "louder") if level > median else ("轻", "quieter")
            problems.append(Problem(
                file, "level", f"比其他片段{word_zh} {abs(level - median):.0f} dB",
                f"{abs(level - median):.0f} dB {word_en} than the other clips"))
    return problems


def _rates() -> str:
    return ", ".join(str(r) for r in RATES)


def sample_source(name: str) -> tuple[str, str]:
    """What espeak-ng says for a clip of the sample set: (espeak-ng voice, text)."""
    if name.isdigit():
        return voice.PINYIN_VOICE, voice.DIGIT_PINYIN[int(name)]
    if name in voice.WORD_PINYIN:
        return voice.PINYIN_VOICE, voice.WORD_PINYIN[name]
    return voice.LETTER_VOICE, name


def make_sample(target: Path | str, force: bool = False,
                names: tuple[str, ...] = REQUIRED + OPTIONAL) -> list[Path]:
    """Write a complete sample clip set into ``target`` with espeak-ng and sox (files already
    there are kept unless ``force``): the format made audible, and a set to test with."""
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{name}.wav"
        if path.exists() and not force:
            continue
        if name == "chime":
            data = audio.to_wav(audio.chime())
        else:
            spoken_by, text = sample_source(name)
            data = voice.sox_process(voice.espeak_wav(text, spoken_by), SAMPLE_EFFECTS,
                                     audio.RATE)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
        written.append(path)
    if written:
        log.info("sample clip set: wrote %d clips to %s", len(written), folder)
    return written


def missing(folder: Path | str, names: tuple[str, ...] = voice.CLIP_NAMES) -> list[str]:
    """The clip names a folder lacks."""
    base = Path(folder)
    return [n for n in names if not (base / f"{n}.wav").is_file()]
