"""The docs are tests (#16 part 9): every command README.md and packaging/README.md show is run
here exactly as written, with the defaults a user gets — only placeholders filled (a token
printed by an earlier command, a folder of voice clips, a code) — and checked for what a user
would look at. A command added to the docs and run by no test fails
:func:`test_every_command_the_docs_show_is_run_by_a_test`."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.doc_commands import ROOT, shown_commands
from tests.helpers.doc_terminal import Terminal

NODE = "http://127.0.0.1:8470"

#: Each documented command, and the test below that runs it as written.
#: The documented commands this file does not run, and where they are checked instead.
RUN_BY = {
    "make test": "the suite itself (.ci/run runs make test)",
    "apt-get install ./hallq-common_*.deb ./hallq-hall_*.deb":
        "make package-test (root): the same packages installed with dpkg -i, upgraded, purged",
    "apt-get install ./hallq-common_*.deb ./hallq-screen_*.deb ./hallq-kiosk_*.deb":
        "make package-test (root): run as written (-y), the kiosk provisioned, then purged",
    "cp my-hall.toml /etc/hallq/hall.toml": "hallq provision --role hall does it (below)",
    "systemctl enable --now hallq-hall hallq-backup.timer":
        "make package-test: systemd-analyze verify of the units (no systemd runs here)",
}


def doc(command: str) -> str:
    """``command`` as a document shows it (fails when no document does any more)."""
    assert command in {shown.command for shown in shown_commands()}, \
        f"no document shows {command!r} any more: update this test with the docs"
    return command


def test_every_command_the_docs_show_is_run_by_a_test() -> None:
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    run_here = {node.args[0].value for node in ast.walk(tree)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "doc" and isinstance(node.args[0], ast.Constant)}
    unrun = [str(shown) for shown in shown_commands()
             if shown.command not in RUN_BY and shown.command not in run_here]
    assert not unrun, "commands the docs show that no test runs:\n" + "\n".join(unrun)


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    """A terminal in an empty folder."""
    (tmp_path / "logs").mkdir()
    made = Terminal(tmp_path / "work", tmp_path / "logs")
    made.cwd.mkdir()
    yield made
    made.stop_all()


def test_the_readme_command_line_runs_as_written(term: Terminal) -> None:
    node = term.start(doc("hallq hall --port 8470 &"), ready_url=f"{NODE}/api/v1/health")
    token = term.run(doc("hallq pair --role caller --window 3 --name console-3"))
    assert token.code == 0 and re.fullmatch(r"[\w-]{24,}\n", token.output), token
    code = term.run(doc("hallq pair --role kiosk --code"))
    assert code.code == 0 and re.search(r"配对码 / pairing code: \d{6}\n", code.output), code
    paired = term.run(doc("hallq paired"))
    assert paired.code == 0 and re.search(r"console-3 +caller +window 3 .* valid", paired.output)
    assert token.output.strip() not in paired.output
    revoked = term.run(doc("hallq revoke console-3"))
    assert revoked.code == 0 and "revoked 1 device(s) named 'console-3'" in revoked.output
    answer = httpx.get(f"{NODE}/api/v1/hall",
                       headers={"Authorization": f"Bearer {token.output.strip()}"})
    assert answer.status_code in (200, 401)     # refused within 5 s of the revoke

    assert term.run(doc("hallq staff add S010 --name 赵敏")).code == 0
    (term.cwd / "staff.csv").write_text("id,name_zh\nS011,钱多多\nS012,孙悟净\n",
                                        encoding="utf-8")
    imported = term.run(doc("hallq staff import staff.csv"))
    assert imported.code == 0 and "added 2" in imported.output, imported
    pin = term.run(doc("hallq staff set-pin S010"), typed=["4821", "4821"])
    assert pin.code == 0 and "S010: 密码已设置 / PIN set" in pin.output, pin
    assert "4821" not in pin.output                     # typed unseen
    assert term.run(doc("hallq staff set-badge S010 04A1B2C3")).code == 0
    listed = term.run(doc("hallq staff list"))
    assert re.search(r"S010 +赵敏 +PIN set +badge set", listed.output), listed
    assert re.search(r"S011 +钱多多 +no PIN", listed.output), listed
    signed = httpx.post(f"{NODE}/api/v1/windows/1/sign-in", json={"staff_id": "S010",
                                                                   "pin": "4821"},
                        headers={"Authorization": f"Bearer {_token(term, 'caller', '1')}"})
    assert signed.status_code == 200 and signed.json()["staff_name_zh"] == "赵敏", signed.text
    assert term.run(doc("hallq staff disable S010")).code == 0
    assert "DISABLED" in term.run("hallq staff list").output

    status = term.run(doc("hallq status --url http://127.0.0.1:8470"))
    assert status.code == 0 and "状态 / status 正常 / ok" in status.output, status
    assert "(Asia/Shanghai)" in status.output
    machine = term.run(doc("hallq status --url http://127.0.0.1:8470 --json"))
    assert json.loads(machine.stdout)["hall_id"] == "GD-SZ-FT-001"
    doctor = term.run(doc("hallq doctor --url http://127.0.0.1:8470"))
    assert "[正常 / ok  ] 大厅节点 / hall node: http://127.0.0.1:8470: ok" in doctor.output
    assert doctor.code == 0, doctor                  # this machine is set up: nothing fails
    backup = term.run(doc("hallq backup"))
    assert backup.code == 0, backup
    backup_file = backup.output.split()[0]
    assert backup_file.startswith("var/hall/backups/hall-") and backup_file.endswith(".sqlite3")
    listed_devices = term.run(doc("hallq devices list"))
    assert listed_devices.code == 0 and listed_devices.output.startswith("KIND"), listed_devices
    tested = term.run(doc('hallq devices test "sim://printer?paper=ok"'))
    assert tested.code == 0 and "测试页已打印 / test page printed" in tested.output, tested
    dry = term.run(doc("hallq provision --role kiosk --url http://127.0.0.1:8470 "
                       "--config-dir var/etc --dry-run"))
    assert dry.code == 0 and "[dry run]" in dry.output and "GD-SZ-FT-001" in dry.output, dry
    assert not (term.cwd / "var" / "etc").exists()

    assert term.stop(node) in (0, -15)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`hallq restore var/hall/backups/hall-<time>.sqlite3`" in readme
    time_part = backup_file.removeprefix("var/hall/backups/hall-").removesuffix(".sqlite3")
    restored = term.run("hallq restore var/hall/backups/hall-<time>.sqlite3".replace(
        "<time>", time_part))
    assert restored.code == 0 and "已恢复 / restored: hall GD-SZ-FT-001" in restored.output


def _token(term: Terminal, role: str, window: str) -> str:
    """A new token of ``role`` at ``window`` (the pairing every console does)."""
    ran = term.run(f"hallq pair --role {role} --window {window} --name {role}-{window}")
    assert ran.code == 0, ran
    return ran.output.strip()


def test_the_voice_commands_run_as_written(term: Terminal) -> None:
    from display.clipset import make_sample

    clips = term.cwd / "usb-voice"
    make_sample(clips)
    term.fill["/media/usb/voice"] = str(clips)
    checked = term.run(doc("hallq voice check /media/usb/voice"))
    assert checked.code == 0, checked
    said = term.run(doc("hallq voice say A018 --window 3 --voice /media/usb/voice --out call.wav"))
    assert said.code == 0 and (term.cwd / "call.wav").stat().st_size > 44_000, said
    (clips / "8.wav").unlink()
    incomplete = term.run("hallq voice check /media/usb/voice")
    assert incomplete.code == 1 and "8.wav" in incomplete.output, incomplete
    make_sample(clips)
    node = term.start("hallq hall --port 8470 &", ready_url=f"{NODE}/api/v1/health")
    token = _token(term, "display", "1")
    os.environ["HALLQ_TOKEN"] = token        # the display's token, as its env file gives it
    try:
        display = term.start(doc("hallq display --voice /media/usb/voice"))
    finally:
        del os.environ["HALLQ_TOKEN"]
    try:
        heard = _wait(lambda: any(d.get("role") == "display" and d["state"] == "heard"
                                  for d in httpx.get(f"{NODE}/api/v1/health").json()["devices"]))
        assert heard, term.output_of(display)        # found the node on the LAN, heartbeat
        assert display.poll() is None, term.output_of(display)
    finally:
        term.stop(display)
        term.stop(node)


def _wait(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_make_demo_and_the_curl_it_prints(tmp_path: Path) -> None:
    if _port_busy(8470):
        pytest.fail("port 8470 is in use: make demo needs it (stop the other hall)")
    term = Terminal(ROOT, tmp_path)
    try:
        demo = term.start(doc("make demo"), ready_url=f"{NODE}/api/v1/health", timeout=300)
        banner = term.output_of(demo)
        kiosk = re.search(r"token +demo-kiosk +(\S+)", banner)
        assert kiosk is not None, banner
        assert re.search(r"staff +S001 +PIN 1234", banner), banner
        term.fill["<demo-kiosk token>"] = kiosk.group(1)
        curl = term.run(doc("curl -X POST -H \"Authorization: Bearer <demo-kiosk token>\" -H "
                            "'Content-Type: application/json' -d '{\"service\": \"A\"}' "
                            "http://127.0.0.1:8470/api/v1/tickets"))
        ticket = json.loads(curl.stdout)
        assert curl.code == 0 and ticket["number"].startswith("A"), curl
        assert re.fullmatch(r"http://127\.0\.0\.1:8470/t/\d{8}-A\d{3}\.[0-9a-f]{24}",
                            ticket["url"])
        page = httpx.get(ticket["url"])
        assert page.status_code == 200 and ticket["number"] in page.text
        # README's "try it without hardware", beside the demo, in one shell
        keypad = term.start("\n".join([
            doc("export HALLQ_TOKEN=$(hallq pair --role caller --window 3 --replace "
                "--data-dir var/demo)"),
            doc("hallq devices sim keypad --addr 4 --link /tmp/keypad3 &"),
            doc("hallq window-controller --window 3 --url http://127.0.0.1:8470 "
                "--keypad \"keypad:///tmp/keypad3?addr=4\"")]),
            ready_text="3号窗口 未开放", timeout=60)
        assert keypad.poll() is None, term.output_of(keypad)
    finally:
        term.stop_all()


def _port_busy(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return False
    return True


# ---------------------------------------------------------------------- the technician's path
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="the technician's path writes /etc/hallq and /var/lib/hallq: it runs "
                    "as root, in a mount namespace of its own")
def test_the_technicians_provisioning_path_runs_as_written(tmp_path: Path) -> None:
    """packaging/README.md's provisioning, as root, with /etc/hallq and /var/lib/hallq folders
    of this test (a private mount namespace: the machine's own are not touched)."""
    commands = [doc("hallq provision --role hall"),
                doc("hallq pair --role kiosk --code --data-dir /var/lib/hallq"),
                doc("hallq pair --role caller --window 3 --code --data-dir /var/lib/hallq"),
                doc("hallq provision --role kiosk"),
                doc("hallq provision --role window-controller --window 3"),
                doc("hallq window-controller --config /etc/hallq/window-controller.toml")]
    for folder in ("/etc/hallq", "/var/lib/hallq"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    report = tmp_path / "report.json"
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-m",
         "tests.helpers.doc_provisioning", str(tmp_path), str(report), *commands],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    ran = json.loads(report.read_text(encoding="utf-8"))
    hall, kiosk_code, caller_code, kiosk, controller, controlling = ran["runs"]
    assert hall["code"] == 0 and "/etc/hallq/hall.toml" in hall["output"], hall
    assert "systemctl enable --now hallq-hall" in hall["output"]   # no systemd here: said
    for made in (kiosk_code, caller_code):
        assert made["code"] == 0 and re.search(r"pairing code: \d{6}", made["output"]), made
    assert kiosk["code"] == 0, kiosk
    assert "大厅 / hall: GD-SZ-FT-001" in kiosk["output"]      # found on the LAN by zeroconf
    assert ran["kiosk_config_mode"] == oct(stat.S_IRUSR | stat.S_IWUSR)
    assert ran["kiosk_token_works"] is True
    assert ran["second_run"]["code"] == 0 and "already provisioned" in ran["second_run"]["output"]
    assert ran["second_run_unchanged"] is True
    assert controller["code"] == 0 and "keypad://" in controller["output"], controller
    assert "3号窗口 未开放" in controlling["output"], controlling   # the keypad shows it


def test_the_desk_commands_run_as_written(term: Terminal) -> None:
    """README "Web pages (staff)": the desk's token, its agent with the simulated reader
    (a card resting on it), and the card reaching the desk page of S001 signed in at desk-1."""
    node = term.start(doc("hallq hall --port 8470 &"), ready_url=f"{NODE}/api/v1/health")
    assert term.run("echo 1234 | hallq staff set-pin S001 --pin-stdin").code == 0
    paired = term.run(doc("hallq pair --role desk --name desk-1 > desk-token.txt"))
    assert paired.code == 0 and len((term.cwd / "desk-token.txt").read_text().strip()) >= 24
    agent = term.start(doc('hallq desk-agent --token @desk-token.txt --idcard '
                           '"sim://idcard?card=resident" --printer '
                           '"sim://printer?out=var/desk-tickets" &'),
                       ready_text="hallq desk-agent: desk-1")
    with httpx.Client(base_url=NODE, timeout=10) as browser:
        form = browser.get("/staff/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None and "desk-1" in form.text
        signed = browser.post("/staff/sign-in", headers={"origin": NODE}, data={
            "csrf": token.group(1), "staff_id": "S001", "pin": "1234", "desk": "desk-1"})
        assert signed.status_code == 303 and signed.headers["location"] == "/desk"
        deadline = time.monotonic() + 20
        went: dict = {}
        while "go" not in went and time.monotonic() < deadline:
            went = browser.get("/desk/card", params={"after": 0}).json()
            time.sleep(0.2)
        assert went.get("go") == "/desk/swipe/1", term.output_of(agent)
        card_page = browser.get(went["go"])
        assert "4403**********123X" in card_page.text and "44030419900307123X" not in \
            card_page.text
    assert term.stop(agent) in (0, -15)
    assert term.stop(node) in (0, -15)


def test_the_back_office_commands_run_as_written(term: Terminal) -> None:
    import hashlib

    from central import submissions
    from central.data_key import open_data_key
    from central.db import open_database

    (term.cwd / "var").mkdir()
    db = open_database(f"sqlite:///{term.cwd / 'var' / 'central.sqlite3'}")
    key = open_data_key(db, term.cwd / "var" / "central-data.key")    # the commands' default
    photo = b"\xff\xd8\xff" + bytes(5000)
    made = []
    try:
        for code in ("K7M2P9QXRT", "H4N8W2YB6C"):
            sub = submissions.create(db, key, "GD-SZ-FT-001", f"k1-{code}", "C07",
                                     {"name": "张晓明", "id_number": "4403**********1234"},
                                     [{"name": "bank_card-1.jpg", "size": len(photo),
                                       "sha256": hashlib.sha256(photo).hexdigest()}],
                                     {"receipt": code, "item_name_zh": "住房公积金提取",
                                      "id_masked": "4403**********1234"})
            submissions.put_chunk(db, key, sub["id"], "bank_card-1.jpg", 0, photo)
            made.append(code)
    finally:
        db.close()
    token = term.run(doc('hallq central add-office --note "公积金中心后台"'))
    assert token.code == 0 and token.output.startswith("hq_"), token
    listed = term.run(doc("hallq central submissions list --status received"))
    assert listed.code == 0 and "K7M2P9QXRT" in listed.output and "张晓明" not in listed.output
    term.fill["<code>"] = made[0]
    shown = term.run(doc("hallq central submissions show <code> --save-photos photos/"))
    assert shown.code == 0 and hashlib.sha256(photo).hexdigest() in shown.output, shown
    assert "4403**********1234" in shown.output
    assert (term.cwd / "photos" / "bank_card-1.jpg").read_bytes() == photo
    for command, zh in ((doc("hallq central submissions accept <code>"), "已受理"),
                        (doc("hallq central submissions progress <code>"), "办理中"),
                        (doc("hallq central submissions done <code>"), "已办结")):
        moved = term.run(command)
        assert moved.code == 0 and zh in moved.output, moved
    term.fill["<code>"] = made[1]
    rejected = term.run(doc('hallq central submissions reject <code> --reason "购房合同照片不清晰" '
                            '--reason-en "The contract photo is unclear"'))
    assert rejected.code == 0 and "不予受理" in rejected.output, rejected
    again = term.run("hallq central submissions accept <code>")
    assert again.code == 1 and "不予受理" in again.output, again      # no way back
    purged = term.run(doc("hallq central purge --days 30 --submission-days 180"))
    assert purged.code == 0 and "0 submissions' personal data" in purged.output, purged


def test_the_back_office_web_commands_run_as_written(term: Terminal) -> None:
    from central import submissions
    from central.data_key import open_data_key
    from central.db import open_database

    (term.cwd / "var").mkdir()
    db = open_database(f"sqlite:///{term.cwd / 'var' / 'central.sqlite3'}")
    try:
        key = open_data_key(db, term.cwd / "var" / "central-data.key")
        submissions.create(db, key, "GD-SZ-FT-001", "k1-1", "C07", {"name": "张晓明"}, [],
                           {"receipt": "K7M2P9QXRT", "item_name_zh": "住房公积金提取"})
    finally:
        db.close()
    added = term.run(doc('hallq central office-staff add S9001 --name 陈静 --name-en "Chen Jing"'),
                     typed=["2468", "2468"])
    assert added.code == 0 and "S9001 陈静" in added.output, added
    listed = term.run(doc("hallq central office-staff list"))
    assert listed.code == 0 and "S9001  陈静  Chen Jing" in listed.output, listed
    assert "2468" not in listed.output
    central = term.start(doc("hallq central &"),
                         ready_url="http://127.0.0.1:8480/api/v1/health")
    with httpx.Client(base_url="http://127.0.0.1:8480", timeout=10) as browser:
        form = browser.get("/staff/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None, form.text
        signed = browser.post("/staff/sign-in", headers={"Origin": "http://127.0.0.1:8480"},
                              data={"csrf": token.group(1), "staff_id": "S9001",
                                    "pin": "2468", "next": ""})
        assert signed.status_code == 303 and signed.headers["location"] == "/office", signed
        queue = browser.get("/office")
        assert "K7M2P9QXRT" in queue.text and "住房公积金提取" in queue.text
    assert term.stop(central) in (0, -15)
