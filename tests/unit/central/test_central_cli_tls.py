"""The ``central`` commands (credentials, migrations, catalogs) and central served over TLS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from central.cli import main
from central.server import CentralServer
from hall.config import EXAMPLE_HALL
from sync.central_client import CentralApiError, CentralClient


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``python -m central …`` in-process; its standard output."""
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_credentials_migrations_and_catalog_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    hall = json.loads(run(capsys, "--db", db, "add-hall", "--hall", "GD-SZ-FT-001",
                          "--json"))
    admin = run(capsys, "--db", db, "add-admin", "--note", "city office").strip()
    phone = json.loads(run(capsys, "--db", db, "add-phone", "--note", "city app",
                           "--json"))
    assert hall["token"].startswith("hq_") and admin.startswith("hq_")
    assert (phone["role"], phone["hall_id"]) == ("phone", None)
    listed = [json.loads(line) for line in run(capsys, "--db", db,
                                               "credentials").splitlines()]
    assert [(c["role"], c["hall_id"]) for c in listed] == [("hall", "GD-SZ-FT-001"),
                                                            ("admin", None), ("phone", None)]
    assert hall["token"] not in json.dumps(listed)
    data_key = str(tmp_path / "central-data.key")
    assert run(capsys, "--db", db, "migrate", "--data-key-file", data_key).split() == [
        "001_initial", "002_referrals", "003_referral_person", "004_referral_rating",
        "005_referral_handed", "006_referral_person_check", "007_self_service",
        "008_office_staff", "009_phone_keys", "010_data_key", "011_seal_personal_data"]
    assert "version 1" in run(capsys, "--db", db, "publish-catalog", "--hall",
                              "GD-SZ-FT-001", str(EXAMPLE_HALL))
    short = tmp_path / "short.key"
    short.write_text("00ff")
    for bad in (tmp_path / "missing.key", short):           # refused before serving
        assert main(["--db", db, "--data-key-file", data_key, "--id-key-file", str(bad)]) == 2
        assert "ID key" in capsys.readouterr().err
    run(capsys, "--db", db, "revoke", listed[1]["id"])
    assert json.loads(run(capsys, "--db", db, "credentials").splitlines()[1])[
        "revoked"] is True


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=central.test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_central_serves_https_and_the_client_checks_its_certificate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert, key = self_signed(tmp_path)
    db = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    token = run(capsys, "--db", db, "add-hall", "--hall", "H1").strip()
    server = CentralServer(db, host="127.0.0.1", port=0, tls_cert=str(cert),
                           tls_key=str(key), data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        assert server.url.startswith("https://")
        with CentralClient(server.url, token, verify=str(cert)) as trusting:
            event = {"seq": 1, "kind": "x", "ts": 1710208800.0, "data": {}}
            assert trusting.push("H1", [event]) == {"acked": 1, "missing": [], "stored": 1}
        with CentralClient(server.url, token) as doubting, \
                pytest.raises(CentralApiError) as refused:
            doubting.whoami()  # not signed by a CA the system trusts
        assert refused.value.code == "unreachable" and refused.value.transient
    finally:
        server.stop()
