import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_") and k not in {"DEBUG"}}
    env.update({"LIANXIN_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}, **env_overrides)
    code = "import lianxin.settings as s; print(s.DEBUG, bool(s.SECRET_KEY), bool(s.DATA_KEY))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("present", "missing"),
    [({}, "LIANXIN_SECRET_KEY"), ({"LIANXIN_SECRET_KEY": "x" * 50}, "LIANXIN_DATA_KEY")],
)
def test_production_refuses_to_start_without_a_key_naming_it(tmp_path, present, missing):
    result = _run_settings({"DEBUG": "0", **present}, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_short_key_and_the_cli_says_so_in_one_line(tmp_path):
    env = {"DEBUG": "0", "LIANXIN_SECRET_KEY": "s" * 50, "LIANXIN_DATA_KEY": "abc", "ALLOWED_HOSTS": "x"}
    assert "LIANXIN_DATA_KEY is too short (3 characters)" in _run_settings(env, tmp_path).stderr
    cli = subprocess.run(
        [sys.executable, "-m", "lianxin", "check"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")},
            **env,
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode != 0
    assert cli.stderr.strip().splitlines() == [
        "lianxin: configuration error: LIANXIN_DATA_KEY is too short (3 characters): production needs at least "
        "32 random characters, e.g. from python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    ]


def test_production_starts_with_both_keys(tmp_path):
    result = _run_settings(
        {"DEBUG": "0", "LIANXIN_SECRET_KEY": "s" * 50, "LIANXIN_DATA_KEY": "d" * 50, "ALLOWED_HOSTS": "x"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_development_keys_persist_in_var(tmp_path):
    first = _run_settings({}, tmp_path)
    assert first.returncode == 0, first.stderr
    data_key = (tmp_path / "data.key").read_text()
    _run_settings({}, tmp_path)
    assert (tmp_path / "data.key").read_text() == data_key


def test_passwords_hash_with_argon2_outside_tests():
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS


def test_sqlite_default_runs_in_wal_mode():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_production_collectstatic_post_processes_every_asset(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_") and k != "DEBUG"}
    env.update(
        DEBUG="0",
        LIANXIN_SECRET_KEY="s" * 50,
        LIANXIN_DATA_KEY="d" * 50,
        ALLOWED_HOSTS="x",
        LIANXIN_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-m", "lianxin", "collectstatic", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


@pytest.mark.parametrize(("warm", "loaded"), [("1", "True True"), ("0", "False False")])
def test_wsgi_loads_the_segmenters_before_the_first_request_unless_told_not_to(tmp_path, warm, loaded):
    code = (
        "import lianxin.wsgi, jieba, lianxin.intel.text as t; "
        "print(t._tokenizer is not None, jieba.dt.initialized)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_") and k not in {"DEBUG"}}
    env.update({"LIANXIN_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT), "LIANXIN_WARM_UP": warm})
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == loaded.split()


def test_tests_keep_their_files_out_of_the_developers_var_media():
    assert not Path(settings.MEDIA_ROOT).resolve().is_relative_to((ROOT / "var").resolve())
