import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(tmp_path, **overrides: str) -> dict[str, str]:
    """This process's environment without Lianxin's variables, DEBUG, or the test settings module that
    pytest-django exported (a child process must choose its settings as a deployment would)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIANXIN_") and k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"LIANXIN_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}, **overrides)
    return env


def _python(code: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )


def _run_settings(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    code = "import lianxin.settings as s; print(s.DEBUG, bool(s.SECRET_KEY), bool(s.DATA_KEY))"
    return _python(code, _clean_env(tmp_path, **env_overrides))


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
        env=_clean_env(tmp_path, **env),
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


@pytest.mark.slow
def test_production_collectstatic_post_processes_every_asset(tmp_path):
    env = _clean_env(
        tmp_path, DEBUG="0", LIANXIN_SECRET_KEY="s" * 50, LIANXIN_DATA_KEY="d" * 50, ALLOWED_HOSTS="x"
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


@pytest.mark.slow
@pytest.mark.parametrize(("warm", "loaded"), [("1", "True True"), ("0", "False False")])
def test_wsgi_loads_the_segmenters_before_the_first_request_unless_told_not_to(tmp_path, warm, loaded):
    code = (
        "import lianxin.wsgi, jieba, lianxin.intel.text as t; "
        "print(t._tokenizer is not None, jieba.dt.initialized)"
    )
    result = _python(code, _clean_env(tmp_path, LIANXIN_WARM_UP=warm), timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == loaded.split()


def test_tests_keep_their_files_out_of_the_developers_var_media():
    assert not Path(settings.MEDIA_ROOT).resolve().is_relative_to((ROOT / "var").resolve())


KEYS = {"LIANXIN_SECRET_KEY": "s" * 50, "LIANXIN_DATA_KEY": "d" * 50}
CHOICE = (
    "import lianxin.settings as s; "
    "print(s.environment(), s.DEBUG, s.PRODUCTION, s.TESTING, getattr(s, 'SESSION_COOKIE_SECURE', False), "
    "s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[-1])"
)


@pytest.mark.parametrize(
    ("variables", "chosen"),
    [
        ({}, "development True False False False StaticFilesStorage"),
        ({"DEBUG": "1"}, "development True False False False StaticFilesStorage"),
        ({"DEBUG": "0", **KEYS}, "production False True False True CompressedManifestStaticFilesStorage"),
        # LIANXIN_ENV wins over DEBUG: production is never in debug mode.
        (
            {"LIANXIN_ENV": "production", "DEBUG": "1", **KEYS},
            "production False True False True CompressedManifestStaticFilesStorage",
        ),
        (
            {"LIANXIN_ENV": "Development", "DEBUG": "0"},
            "development False False False False StaticFilesStorage",
        ),
        ({"LIANXIN_TESTING": "1"}, "test False False True False StaticFilesStorage"),
        ({"LIANXIN_ENV": "test", "DEBUG": "0"}, "test False False True False StaticFilesStorage"),
    ],
)
def test_lianxin_settings_stands_for_the_environment_debug_or_lianxin_env_chooses(
    tmp_path, variables, chosen
):
    result = _python(CHOICE, _clean_env(tmp_path, **variables))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == chosen


def test_an_unknown_lianxin_env_is_refused_naming_the_choices(tmp_path):
    result = _python(CHOICE, _clean_env(tmp_path, LIANXIN_ENV="staging"))
    assert result.returncode != 0
    assert "LIANXIN_ENV is 'staging': use one of development, production, test" in result.stderr


def test_the_test_settings_load_without_production_keys_and_write_nothing(tmp_path):
    """pytest imports lianxin.settings.test, which imports the lianxin.settings package first: that
    must not load development (random keys written to var/) nor production (refusing without keys)."""
    var = tmp_path / "var"
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'lianxin.settings.test'; django.setup(); "
        "from django.conf import settings as s; import sys; "
        "print(s.TESTING, s.HUEY['immediate'], s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], "
        "'lianxin.settings.development' in sys.modules, 'lianxin.settings.production' in sys.modules)"
    )
    result = _python(code, _clean_env(tmp_path, DEBUG="0", LIANXIN_VAR_DIR=str(var), REDIS_URL=""))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "True", "LocMemCache", "False", "False"]
    assert not var.exists()


def test_django_reads_every_setting_of_the_chosen_module_through_the_package(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'lianxin.settings'; django.setup(); "
        "from django.conf import settings as s; import lianxin.settings.development as d; "
        "names = [n for n in dir(d) if n.isupper()]; "
        "print(all(getattr(s, n) == getattr(d, n) for n in names), len(names) > 50, s.SETTINGS_MODULE)"
    )
    result = _python(code, _clean_env(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "True", "lianxin.settings"]


def test_knobs_read_with_a_default_are_declared_and_follow_their_variables(tmp_path):
    code = (
        "import lianxin.settings as s; "
        "print(s.LIANXIN_DEMANDS_REOPEN_DAYS, s.LIANXIN_DEMANDS_WARN_FRACTION, s.LIANXIN_PORTAL_SITE_NAME, "
        "s.LIANXIN_PORTAL_PAGE_CACHE_SECONDS, s.LIANXIN_SATISFACTION_WEIGHTS['basically_satisfied'])"
    )
    defaults = _python(code, _clean_env(tmp_path))
    assert defaults.stdout.split() == ["30", "0.75", "连心宣传网", "600", "0.6"], defaults.stderr[-2000:]
    changed = _python(
        code,
        _clean_env(
            tmp_path,
            LIANXIN_DEMANDS_REOPEN_DAYS="10",
            LIANXIN_DEMANDS_WARN_FRACTION="0.5",
            LIANXIN_SITE_NAME="某市",
            LIANXIN_PORTAL_PAGE_CACHE_SECONDS="60",
        ),
    )
    assert changed.stdout.split() == ["10", "0.5", "某市宣传网", "60", "0.6"], changed.stderr[-2000:]


def test_page_errors_are_handled_inside_the_message_middleware():
    middleware = settings.MIDDLEWARE
    position = middleware.index("django.contrib.messages.middleware.MessageMiddleware")
    assert middleware[position + 1] == "lianxin.core.middleware.ApplicationErrorMiddleware"
