"""Start-up refuses bad settings with one line naming the setting."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings
from tests.conftest import ROOT, TEST_SECRET

GOOD = {"JWT_SECRET": TEST_SECRET}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DB_POOL_MIN": "5", "DB_POOL_MAX": "2"}, "DB_POOL_MAX"),
        ({"JWT_SECRET": ""}, "JWT_SECRET"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM"),
        ({"JWT_ALGORITHM": "RS256"}, "JWT_PUBLIC_KEY"),
        ({"SCHEDULER_HORIZON_SECONDS": "soon"}, "SCHEDULER_HORIZON_SECONDS"),
        ({"LEASE_SECONDS": "4"}, "LEASE_SECONDS"),  # at least 5 s
        ({"LEASE_SECONDS": "6", "HEARTBEAT_SECONDS": "3"}, "LEASE_SECONDS"),  # at least 3 heartbeats
    ],
)
def test_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({**GOOD, **env})
    message = str(info.value)
    assert named in message
    assert "\n" not in message


def test_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings.port == 8070
    assert settings.database_url is None  # embedded PostgreSQL
    assert settings.jwt_algorithm == "HS256"
    assert settings.execution_retention_days == 30


def test_public_key_selects_rs256() -> None:
    settings = load_settings({"JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----"})
    assert settings.jwt_algorithm == "RS256"


def test_cli_refuses_to_start_with_one_line(tmp_path, spawn) -> None:
    env = {"PATH": "/usr/bin:/bin", "PORT": "abc", "JWT_SECRET": TEST_SECRET, "HOME": str(tmp_path)}
    proc = spawn.run_cli("bad-port", [], env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "PORT" in lines[0], proc.stderr


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    source = (ROOT / "config.py").read_text()
    import re

    read = set(re.findall(r'env(?:\.get)?\(\s*"([A-Z_]+)"', source)) | set(
        re.findall(r'_(?:int|float|opt|bool)\(env, "([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    assert read, "no settings found in config.py"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"
