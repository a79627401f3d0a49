"""Broken scenario files: each kind of mistake stops ``hallq bench cloud`` with exit code 2 and
one line naming the file, the table and the key in Chinese and English — never a traceback, a
silently used default, or a run that measures nobody."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cloudsim import cli as cloud_cli
from bench.cloudsim.scenario import ScenarioError, load_scenario

#: A tiny valid city: two halls, two themes. Each case below breaks one thing in it.
VALID = """\
[scenario]
name = "tiny"
load = 0.8
open = "09:00"
close = "12:00"
cutoff_min = 30
profile = [1.0, 2.0]
anywhere_share = 0.7
remote_share = 0.4

[acceptance]
p_max = 0.8

[travel]
speed_kmh = 20

[remote]
slowdown = 1.25

[[themes]]
prefix = "A"
mean_service_min = 10

[[themes]]
prefix = "C"
mean_service_min = 6

[[halls]]
id = "H1"
weight = 1.0
windows = [{ count = 3, skills = ["A", "C"] }]

[[halls]]
id = "S1"
x_km = 4
weight = 1.2
windows = [{ count = 2, skills = ["C", "A"] }]
"""

#: (what is broken, text replaced → by, where the message points, what it says in English)
BROKEN = [
    ("misspelt key in [scenario]", "load = 0.8", "laod = 0.8",
     "[scenario] · laod", "unknown key"),
    ("misspelt key in a hall", "x_km = 4\nweight", "x_km = 4\nwieght",
     '[[halls]] #2 (id = "S1") · wieght', "unknown key"),
    ("misspelt key in a window group", "{ count = 2,", "{ cuont = 2,",
     '[[halls]] #2 (id = "S1") · windows #1 · cuont', "unknown key"),
    ("misspelt table", "[acceptance]", "[acceptence]", "[acceptence]", "unknown table"),
    ("share as a percentage", "anywhere_share = 0.7", "anywhere_share = 70",
     "[scenario] · anywhere_share", "70% is 0.7"),
    ("theme share as a percentage", 'prefix = "C"\n', 'prefix = "C"\nremote_share = 40\n',
     '[[themes]] #2 (prefix = "C") · remote_share', "70% is 0.7"),
    ("duplicate theme prefix", 'prefix = "C"', 'prefix = "a"',
     '[[themes]] #2 (prefix = "a") · prefix', "given twice"),
    ("negative weight", "weight = 1.2", "weight = -1.2",
     '[[halls]] #2 (id = "S1") · weight', "at least 0"),
    ("negative count", "{ count = 2,", "{ count = -2,",
     '[[halls]] #2 (id = "S1") · windows #1 · count', "at least 1"),
    ("zero slowdown", "slowdown = 1.25", "slowdown = 0", "[remote] · slowdown",
     "more than 0"),
    ("a time past 23:59", 'close = "12:00"', 'close = "27:30"', "[scenario] · close",
     "00:00 to 23:59"),
    ("a number in quotes", "load = 0.8", 'load = "0.8"', "[scenario] · load",
     "must be a number"),
    ("a skill naming no theme", '["C", "A"]', '["C", "B"]',
     '[[halls]] #2 (id = "S1") · windows #1 · skills', '"B" names no theme'),
    ("a theme no window serves", 'mean_service_min = 6\n',
     'mean_service_min = 6\n\n[[themes]]\nprefix = "E"\nmean_service_min = 15\n',
     '[[themes]] (prefix = "E")', "served by no window"),
    ("a travel matrix of the wrong size", "speed_kmh = 20", "matrix_min = [[0, 10]]",
     "[travel] · matrix_min", "2 rows of 2"),
    ("hours that give no numbers", 'open = "09:00"', 'open = "11:45"',
     "[scenario] · close", "must be after open"),
    ("a profile of zeros", "profile = [1.0, 2.0]", "profile = [0, 0]",
     "[scenario] · profile", "nobody would come"),
    ("a warm-up longer than the day", "cutoff_min = 30", "cutoff_min = 30\nwarmup_min = 200",
     "[scenario] · warmup_min", "nobody would be measured"),
    ("a missing service time", "mean_service_min = 6", "cv = 0.5",
     '[[themes]] #2 (prefix = "C") · mean_service_min', "is missing"),
    ("an unknown distribution", "mean_service_min = 6",
     'mean_service_min = 6\ndistribution = "gamma"',
     '[[themes]] #2 (prefix = "C") · distribution', "must be one of"),
    ("two halls with one id", 'id = "S1"', 'id = "H1"',
     '[[halls]] #2 (id = "H1") · id', "given twice"),
    ("misspelt key in [cloud]", "[remote]", "[cloud]\nmax_travel = 60\n\n[remote]",
     "[cloud] · max_travel", "unknown key"),
    ("a negative travel cap", "[remote]", "[cloud]\nmax_travel_min = -60\n\n[remote]",
     "[cloud] · max_travel_min", "more than 0"),
    ("not TOML", "load = 0.8", "load = 0,8", "tiny.toml", "not valid TOML"),
]


def _write(tmp_path: Path, old: str, new: str) -> Path:
    assert old in VALID, old
    path = tmp_path / "tiny.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cloud_cli.main(["cloud", *args, "--days", "1", "--json"])
    return code, capsys.readouterr().err


def test_the_valid_file_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "--scenario", str(_write(tmp_path, "", "")))
    assert code == 0, err


@pytest.mark.parametrize(("old", "new", "where", "said"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_a_broken_file_is_refused_saying_where(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, where: str,
        said: str) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    assert refused.value.where.startswith(str(path))
    assert where in refused.value.where and said in refused.value.message_en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message_zh)
    code, err = _run(capsys, "--scenario", str(path))
    assert code == 2
    assert f"{path}" in err and where in err and said in err and "Traceback" not in err
    assert err.count("\n") == 1                    # one line, Chinese / English


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(VALID.replace('name = "tiny"', 'name = "县城"').encode("gbk"))
    code, err = _run(capsys, "--scenario", str(path))
    assert code == 2 and "gbk.toml" in err and "UTF-8" in err


def test_a_run_that_measures_nobody_fails(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "load = 0.8", "load = 0.00001")
    code, err = _run(capsys, "--scenario", str(path))
    assert code == 2
    assert "tiny.toml" in err and "measured no citizen" in err and "没有可统计的群众" in err


@pytest.mark.parametrize(("option", "value"), [("--anywhere", "70"), ("--load", "0"),
                                                ("--slowdown", "0"), ("--days", "0"),
                                                ("--remote-share", "-0.1")])
def test_options_out_of_range_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          option: str, value: str) -> None:
    path = _write(tmp_path, "", "")
    with pytest.raises(SystemExit) as stopped:
        cloud_cli.main(["cloud", "--scenario", str(path), option, value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert option in err and "must be in" in err and "应在" in err


def test_the_error_crosses_to_a_benchmark_worker_and_back() -> None:
    # bench_cloud runs scenarios in worker processes: an error must come back as itself,
    # not as "missing 1 required positional argument" from the pool
    import pickle

    wrong = ScenarioError("unknown key", "未知的键", "[cloud] · max_travel")
    back = pickle.loads(pickle.dumps(wrong))
    assert (back.bilingual(), str(back)) == (wrong.bilingual(), str(wrong))
