"""Cloud calling (云叫号) on the wall display: a ticket lent to another hall's video window is
called to this hall's video booth, announced, and leaves the board when its remote service is
over or when it goes back to its line. Events as the hall node sends them (see the contract)."""

from __future__ import annotations

from pathlib import Path

import pytest

from display import audio, clipset, voice
from display.announcer import Announcer
from display.viewmodel import RELOAD_KINDS, DisplayModel
from hall.events import EventKind
from tests.helpers.clocks import SecondsClock
from tests.helpers.events import called, event, windows_read
from tests.helpers.fake_devices import RecordingPlayer
from tests.helpers.voices import needs_espeak, tone_voice


def leased(number: str, seq: int, booth: str = "V1") -> dict:
    """``ticket.leased`` as the hall node sends it."""
    return event(EventKind.TICKET_LEASED, seq, ticket=f"t-{number}", number=number, theme=number[0],
                 item="B03", elderly=False, sort_key=1_741_900_000.0 + seq,
                 lease="GD-SZ-NS-002/7/1", remote="GD-SZ-NS-002/7", booth=booth,
                 booth_name_zh=f"视频服务区{booth[1:]}号", booth_name_en=f"Video booth {booth[1:]}",
                 expires_at=1_741_900_180.0, waited_s=640.0)


def board(model: DisplayModel, lang: str = "zh") -> list[str]:
    """The calls board as read on the wall: "B012 → 视频服务区1号"."""
    return [f"{c.number} → {model.place_name(c, lang)}" for c in model.current_calls(6)]


def test_a_leased_ticket_is_called_to_the_video_booth_and_announced() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(called("A001", "3", 1))
    outcome = model.apply(leased("B012", 2))
    assert outcome.changed and outcome.reload_services
    assert outcome.announce_booth == ("B012", "1") and outcome.announce is None
    assert board(model) == ["B012 → 视频服务区1号", "A001 → 3号窗口"]
    assert board(model, "en") == ["B012 → Video booth 1", "A001 → Window 3"]
    assert model.highlighted(model.current_calls(1)[0])
    assert [c.number for c in model.recent] == ["B012", "A001"]


def test_two_booths_show_two_calls_and_a_window_call_keeps_its_own_place() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(leased("B012", 1, "V1"))
    model.apply(leased("C020", 2, "V2"))
    model.apply(called("A001", "1", 3))
    assert board(model) == ["A001 → 1号窗口", "C020 → 视频服务区2号", "B012 → 视频服务区1号"]


def test_remote_serving_keeps_the_call_and_remote_finished_clears_it() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(leased("B012", 1))
    serving = model.apply(event(EventKind.TICKET_REMOTE_SERVING, 2, ticket="t-B012", number="B012",
                                theme="B", lease="GD-SZ-NS-002/7/1", remote="GD-SZ-NS-002/7",
                                booth="V1"))
    assert serving.announce_booth is None and serving.reload_services
    assert board(model) == ["B012 → 视频服务区1号"]
    finished = model.apply(event(EventKind.TICKET_REMOTE_FINISHED, 3, ticket="t-B012",
                                 number="B012",
                                 theme="B", item="B03", lease="GD-SZ-NS-002/7/1",
                                 remote="GD-SZ-NS-002/7", service_s=600.0))
    assert finished.changed and finished.reload_services
    assert board(model) == []
    assert [c.number for c in model.recent] == ["B012"]


def test_a_returned_ticket_leaves_the_board_but_not_the_list_and_counts_again() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(leased("B012", 1))
    outcome = model.apply(event(EventKind.TICKET_LEASE_RETURNED, 2, ticket="t-B012", number="B012",
                                theme="B", item="B03", elderly=False, sort_key=1.0,
                                lease="GD-SZ-NS-002/7/1", reason="expired"))
    assert outcome.changed and outcome.reload_services, "the number is back waiting"
    assert board(model) == []
    assert [f"{c.number} → {model.place_name(c, 'zh')}" for c in model.recent] == [
        "B012 → 视频服务区1号"]


def test_waiting_counts_are_read_again_after_each_cloud_event() -> None:
    assert {EventKind.TICKET_LEASED, EventKind.TICKET_LEASE_RETURNED,
            EventKind.TICKET_REMOTE_SERVING,
            EventKind.TICKET_REMOTE_FINISHED} <= RELOAD_KINDS


def test_a_booth_call_learnt_from_history_is_neither_highlighted_nor_announced() -> None:
    model = DisplayModel(clock=SecondsClock())
    outcome = model.apply(leased("B012", 1), live=False)
    assert outcome.announce_booth is None
    assert not model.highlighted(model.current_calls(1)[0])


def test_reading_the_windows_keeps_the_booth_calls() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(leased("B012", 1))
    model.load_windows(windows_read(w1="A001"))
    assert board(model) == ["B012 → 视频服务区1号", "A001 → 1号窗口"]


def test_a_windows_remote_call_leaves_its_paused_status_alone() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(event(EventKind.WINDOW_PAUSED, 1, window="30", status="paused"))
    outcome = model.apply(event(EventKind.WINDOW_REMOTE_BUSY, 2, window="30", lease="", home="",
                                ticket="", number="", theme="", state="choosing"))
    assert model.paused == {"30"} and not outcome.changed


def test_a_booth_without_names_is_still_named() -> None:
    model = DisplayModel(clock=SecondsClock())
    data = leased("B012", 1)
    data["data"].update(booth_name_zh="", booth_name_en="")
    model.apply(data)
    assert board(model) == ["B012 → 视频服务区V1"]
    assert board(model, "en") == ["B012 → Video booth V1"]


# ---------------------------------------------------------------------- the announcer
def test_a_booth_call_says_please_go_to_the_video_booth() -> None:
    assert voice.booth_clips("B012", "1") == ["qing", "B", "0", "1", "2", "hao", "dao",
                                              "shipinfuwuqu", "1", "hao", "banli"]
    assert voice.booth_text("B012", "1") == "请 B012 号到视频服务区1号办理"
    assert voice.booth_pinyin("B012", "12") == (
        "qing3 B ling2 yi1 er4 hao4, dao4 shi4 pin2 fu2 wu4 qu1 shi2 er4 hao4 ban4 li3")
    # a booth whose id has no number: the sentence without it
    assert [voice.booth_number(b) for b in ("V1", "V02", "booth-12", "VB")] == [
        "1", "2", "12", ""]
    assert voice.booth_text("B012", "") == "请 B012 号到视频服务区办理"
    assert voice.booth_clips("B012")[-2:] == ["shipinfuwuqu", "banli"]
    assert set(voice.booth_clips("Z987", "3")) <= set(voice.CLIP_NAMES), "the default voice"


def test_the_announcer_speaks_a_booth_call_from_clips(tmp_path: Path) -> None:
    player = RecordingPlayer(seconds=0.01)
    announcer = Announcer(tone_voice(tmp_path / "voice"), player=player)
    try:
        item = announcer.announce_booth("B012", "2")
        assert announcer.wait_idle(10)
    finally:
        announcer.stop()
    assert (item.booth, item.text, item.source) == (True, "请 B012 号到视频服务区2号办理",
                                                    "clips")
    assert [name for _, _, name in player.spans] == ["B012-booth"]
    booth_wav, _ = announcer.compose("B012", "2", booth=True)
    window_wav, _ = announcer.compose("B012", "2")
    other_booth, _ = announcer.compose("B012", "3", booth=True)
    assert booth_wav != window_wav and booth_wav != other_booth


@pytest.mark.allow_log("has no clip", "no speech for")
def test_a_voice_without_the_booth_clip_falls_back(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    older = tuple(n for n in voice.CLIP_NAMES if n != "shipinfuwuqu")
    announcer = Announcer(tone_voice(tmp_path / "recorded", older), player=RecordingPlayer())
    spoken: list[str] = []
    monkeypatch.setattr(voice, "espeak_wav", lambda text, *args: spoken.append(text) or
                        _raise(voice.VoiceError("no espeak-ng here")))
    _, source = announcer.compose("B012", "", booth=True)
    assert source == "chime" and spoken == [voice.booth_pinyin("B012")]
    _, source = announcer.compose("A001", "3")
    assert source == "clips", "window calls still use the recorded voice"


@pytest.mark.allow_log("has no clip", "no speech for")
@needs_espeak
def test_espeak_speaks_a_booth_call_without_the_clip(tmp_path: Path) -> None:
    older = tuple(n for n in voice.CLIP_NAMES if n != "shipinfuwuqu")
    announcer = Announcer(tone_voice(tmp_path / "recorded", older), player=RecordingPlayer(),
                          cache_dir=tmp_path / "cache")
    wav, source = announcer.compose("B012", "", booth=True)
    assert source == "sentence" and audio.duration_s(wav) > 5.0


@needs_espeak
def test_the_sample_clip_set_gets_the_booth_clip(tmp_path: Path) -> None:
    folder = tone_voice(tmp_path / "made-before", clipset.REQUIRED)
    assert clipset.missing(folder) == ["shipinfuwuqu"]
    assert [p.name for p in clipset.make_sample(folder, names=("shipinfuwuqu",))] == [
        "shipinfuwuqu.wav"]
    clip = audio.trim(audio.read_wav(folder / "shipinfuwuqu.wav"))
    assert 0.6 < clip.size / audio.RATE < 2.5, "five syllables"


def _raise(err: Exception) -> bytes:
    raise err


def test_a_call_to_the_video_booth_is_not_a_window_on_the_window_board() -> None:
    model = DisplayModel(clock=SecondsClock())
    model.apply(event(EventKind.WINDOW_OPENED, 1, window="3", status="open"))
    model.apply(event(EventKind.TICKET_LEASED, 2, ticket="t-B012", number="B012", booth="V1",
                      booth_name_zh="视频服务区1号", booth_name_en="Video booth 1"))
    assert [(t.window, t.state) for t in model.window_board()] == [("3", "idle")]
