"""A hall's recorded clip set: the sample set made by espeak-ng and sox passes the checker,
and each way a hall's recordings go wrong is named, file by file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from display import clipset
from tests.helpers.voices import needs_espeak

pytestmark = needs_espeak


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete clip set, made once with espeak-ng and sox."""
    folder = tmp_path_factory.mktemp("sample")
    clipset.make_sample(folder)
    return folder


@pytest.fixture
def copy(sample: Path, tmp_path: Path) -> Path:
    """A copy of the sample set for one test to break."""
    return Path(shutil.copytree(sample, tmp_path / "set"))


def sox(*args: str | Path) -> None:
    """Run the real sox."""
    subprocess.run(["sox", *map(str, args)], check=True, capture_output=True)


def rework(folder: Path, name: str, *effects: str) -> None:
    """Replace ``name``.wav by itself passed through sox output options and effects."""
    source = folder / f"{name}.wav"
    original = source.with_suffix(".orig.wav")
    source.rename(original)
    sox(original, *effects)
    original.unlink()


def problems(folder: Path) -> set[tuple[str, str]]:
    """(file, kind) of every problem the checker finds."""
    return {(p.file, p.kind) for p in clipset.check(folder).problems}


def test_the_sample_set_is_complete_and_in_the_documented_format(sample: Path) -> None:
    report = clipset.check(sample)
    assert report.complete and report.problems == []
    assert report.checked == 45 and report.absent_optional == []
    names = {p.stem for p in sample.glob("*.wav")}
    assert names == set(clipset.REQUIRED) | set(clipset.OPTIONAL)
    assert {"0", "9", "A", "Z", "qing", "hao", "dao", "chuangkou", "banli", "chime"} <= names
    assert sum(p.stat().st_size for p in sample.glob("*.wav")) < 1_000_000


def test_a_set_without_the_optional_clips_is_complete(copy: Path) -> None:
    (copy / "chime.wav").unlink()
    (copy / "shipinfuwuqu.wav").unlink()
    report = clipset.check(copy)
    assert report.complete
    assert report.absent_optional == ["shipinfuwuqu", "chime"]


def test_each_broken_file_is_named_with_what_is_wrong(copy: Path) -> None:
    (copy / "7.wav").unlink()
    rework(copy, "3", "-r", "8000", copy / "3.wav")                    # telephone rate
    rework(copy, "A", "-c", "2", copy / "A.wav")                       # stereo
    rework(copy, "hao", copy / "hao.wav", "gain", "-60")               # silent
    rework(copy, "dao", copy / "dao.wav", "gain", "-n", "0", "gain", "6")  # clipped
    rework(copy, "banli", copy / "banli.wav", "repeat", "3")           # too long
    (copy / "qing.wav").write_bytes(b"RIFF not really")
    report = clipset.check(copy)
    assert not report.complete
    assert problems(copy) == {("7.wav", "missing"), ("3.wav", "rate"), ("A.wav", "stereo"),
                              ("hao.wav", "silent"), ("dao.wav", "clipped"),
                              ("banli.wav", "too_long"), ("qing.wav", "unreadable")}
    lines = {p.file: p.line() for p in report.problems}
    assert "8000 Hz" in lines["3.wav"] and "采样率" in lines["3.wav"]
    assert "需要单声道" in lines["A.wav"] and "needs mono" in lines["A.wav"]


def test_a_clip_much_quieter_than_the_rest_is_named(copy: Path) -> None:
    rework(copy, "5", copy / "5.wav", "gain", "-20")
    assert problems(copy) == {("5.wav", "level")}
    [problem] = clipset.check(copy).problems
    assert "quieter" in problem.en and "轻" in problem.zh


def test_an_8_bit_file_is_refused(copy: Path) -> None:
    rework(copy, "B", "-b", "8", copy / "B.wav")
    assert problems(copy) == {("B.wav", "format")}
