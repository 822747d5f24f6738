"""`lianxin backup` / `lianxin restore` of the embedded setup, verified by restoring into a fresh folder
and reading the encrypted data back with the restored key."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-server")]
ROOT = Path(__file__).resolve().parents[2]


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))}
    env.pop("LIANXIN_DATA_KEY", None)
    env.pop("LIANXIN_SECRET_KEY", None)
    env.update(
        LIANXIN_ENV="development",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
        LIANXIN_VAR_DIR=str(var),
        LIANXIN_WARM_UP="0",
    )
    env.pop("LIANXIN_MEDIA_ROOT", None)
    return env


def _lianxin(var: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lianxin", *args],
        env=_env(var),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    _lianxin(var, "migrate", "--noinput")
    _lianxin(
        var,
        "shell",
        "-c",
        "from lianxin.core.models import SmsMessage; "
        "SmsMessage.objects.create(phone='13812345678', phone_hash='h', text='备份测试', purpose='t', key='b1')",
    )
    (var / "media" / "reports").mkdir(parents=True)
    (var / "media" / "reports" / "r.pdf").write_bytes(b"%PDF-1.4 report\n%%EOF")
    archive = tmp_path_factory.mktemp("out") / "b.tar.gz"
    result = _lianxin(var, "backup", "--output", str(archive))
    assert "Backup written" in result.stdout
    return var, archive


def test_restore_into_a_fresh_folder_reads_everything_back(backed_up, tmp_path):
    var, archive = backed_up
    fresh = tmp_path / "restored"
    result = _lianxin(var, "restore", str(archive), "--into", str(fresh))
    assert "Restored" in result.stdout
    assert (fresh / "media" / "reports" / "r.pdf").read_bytes() == b"%PDF-1.4 report\n%%EOF"
    assert (fresh / "data.key").read_text() == (var / "data.key").read_text()
    assert oct((fresh / "data.key").stat().st_mode & 0o777) == "0o600"
    shown = _lianxin(
        fresh,
        "shell",
        "-c",
        "from lianxin.core.models import SmsMessage; print(SmsMessage.objects.get(key='b1').phone)",
    )
    assert shown.stdout.strip().splitlines()[-1] == "13812345678"  # decrypted with the restored key


def test_restore_refuses_a_folder_with_a_database(backed_up):
    var, archive = backed_up
    result = _lianxin(var, "restore", str(archive), "--into", str(var), check=False)
    assert result.returncode != 0 and "fresh folder" in result.stderr


def test_restore_refuses_a_damaged_backup(backed_up, tmp_path):
    var, archive = backed_up
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else b""
            if member.name == "media/reports/r.pdf":
                data = b"tampered"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    result = _lianxin(var, "restore", str(damaged), "--into", str(tmp_path / "x"), check=False)
    assert result.returncode != 0 and "damaged" in result.stderr
