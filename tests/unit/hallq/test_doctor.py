"""``hallq doctor`` as a technician runs it: every check on one line, a failure with the
command that fixes it, exit 1 only when something failed."""

from __future__ import annotations

import email.utils
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hallq import doctor
from hallq.cli import main
from tests.helpers.hall_servers import Hall

HALLQ = Path(sys.executable).with_name("hallq")
CHECKED = ("时区 / time zone", "磁盘空间 / disk space", "大厅节点 / hall node",
           "串口权限 / serial ports", "智能卡服务 / pcscd", "中文字体 / Chinese fonts",
           "声音输出 / sound output")


def test_doctor_against_a_healthy_node_passes_and_says_each_check(
        hall: Hall, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor", "--url", hall.url, "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    for what in CHECKED + ("时钟 / clock",):
        assert what in out
    assert f"[正常 / ok  ] 大厅节点 / hall node: {hall.url}: ok" in out
    assert "[正常 / ok  ] 时钟 / clock: " in out
    assert code == 0 and out.rstrip().endswith("全部正常 / all checks passed")


def test_doctor_with_the_printer_out_of_paper_fails_and_says_load_paper(
        hall: Hall, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sim://printer?out={tmp_path}&paper=out"
    assert main(["doctor", "--url", hall.url, "--data-dir", str(tmp_path),
                 "--printer", url]) == 1
    out = capsys.readouterr().out
    assert "[失败 / FAIL] 票据打印机 / ticket printer: paper_out" in out
    assert "修复 / fix: load paper and close the cover" in out
    assert out.rstrip().endswith("1 项失败 / 1 failed")


def test_doctor_with_no_node_names_the_fix(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from hall.net import free_port

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["doctor", "--url", url, "--data-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"[失败 / FAIL] 大厅节点 / hall node: {url} does not answer" in out
    assert "systemctl status hallq-hall" in out


def test_a_clock_ten_seconds_off_the_node_fails_with_the_fix() -> None:
    now = time.time()
    check = doctor._skew(email.utils.formatdate(now - 10, usegmt=True), now)
    assert check.outcome == "fail" and "+10 s against the hall node" in check.seen
    assert "chrony" in check.fix
    assert doctor._skew(email.utils.formatdate(now, usegmt=True), now + 0.4).outcome == "ok"


def test_pcscd_answering_on_its_socket_passes_and_a_missing_one_says_how(
        tmp_path: Path) -> None:
    path = str(tmp_path / "pcscd.comm")
    assert doctor.check_pcscd(path).outcome == "warn"
    assert "systemctl enable --now pcscd.socket" in doctor.check_pcscd(path).fix
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        assert doctor.check_pcscd(path).outcome == "ok"


def test_serial_ports_are_listed_when_this_user_can_open_them(tmp_path: Path) -> None:
    assert doctor.check_serial_ports((str(tmp_path / "ttyUSB*"),)).seen == \
        "no USB serial port attached"
    controller, device = os.openpty()
    try:
        port = os.ttyname(device)
        check = doctor.check_serial_ports((port,))
        assert check.outcome == "ok" and check.seen == port
    finally:
        os.close(controller)
        os.close(device)


def test_fonts_missing_or_fc_list_missing_fail_with_the_package_to_install() -> None:
    def no_fc_list(command: list[str]) -> str:
        raise FileNotFoundError(2, "No such file or directory", command[0])
    assert doctor.check_fonts(no_fc_list).fix == "sudo apt install fontconfig fonts-noto-cjk"
    assert doctor.check_fonts(lambda command: "\n").outcome == "fail"
    assert doctor.check_fonts(doctor._output).outcome == "ok"   # this machine has Noto CJK


def test_sound_cards_are_read_from_the_kernels_list(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n", encoding="utf-8")
    assert doctor.check_audio(str(cards)).outcome == "warn"
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n", encoding="utf-8")
    assert doctor.check_audio(str(cards)).seen.startswith("0 [PCH")


def test_the_box_on_another_time_zone_is_told_how_to_set_the_halls(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert doctor.box_zone(str(link)) == "Europe/Berlin"
    check = doctor.check_timezone("Asia/Shanghai", doctor.box_zone(str(link)))
    assert check.outcome == "warn" and check.fix == "sudo timedatectl set-timezone Asia/Shanghai"
    assert doctor.check_timezone("Asia/Shanghai", "Asia/Shanghai").outcome == "ok"


def test_hallq_doctor_as_written_runs_every_check_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run([str(HALLQ), "doctor"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    for what in CHECKED:
        assert what in done.stdout
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr
    assert ("全部正常" in done.stdout) == (done.returncode == 0)
