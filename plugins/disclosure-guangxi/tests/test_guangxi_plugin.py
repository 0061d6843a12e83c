"""The Guangxi plugin, installed: regional dates through the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from disclosure import Case, Engine
from disclosure.plugins import Plugins

D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def _all_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCLOSURE_LOAD_PLUGINS", raising=False)


def reply_due(engine: Engine, received: str, case_id: str = "EX-09") -> dt.date | None:
    case = Case(case_id, "natural_person", "in_person", D(received))
    return engine.fold(case, D("2024-01-01")).deadlines["reply"].due


@pytest.mark.parametrize(
    ("received", "regional", "national"),
    [
        ("2024-04-08", "2024-05-10", "2024-05-08"),
        ("2025-03-24", "2025-04-24", "2025-04-22"),
    ],
)
def test_example_9_through_the_api(received: str, regional: str, national: str) -> None:
    assert "guangxi" in {p.name for p in Plugins.load().info()}
    # installed, the plugin offers the calendar; the agency turns it on
    assert reply_due(Engine(), received) == D(national)
    assert reply_due(Engine(default_calendar="cn-guangxi"), received) == D(regional)
    assert reply_due(Engine(plugins=Plugins.builtin_only()), received) == D(national)


def test_cases_can_still_name_the_national_calendar() -> None:
    case = Case("N", "natural_person", "in_person", D("2024-04-08"), calendar="cn")
    assert Engine().fold(case).deadlines["reply"].due == D("2024-05-08")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "disclosure", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_example_9_through_the_cli(tmp_path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(
        "id: GX-1\napplicant: natural_person\nchannel: in_person\nreceived: 2024-04-08\n",
        encoding="utf-8",
    )
    installed = _cli("case", "replay", str(f), "--json", "--as-of", "2024-04-08")
    assert json.loads(installed.stdout)["deadlines"]["reply"]["due"] == "2024-05-08"
    settings = tmp_path / "disclosure.toml"
    chosen = _cli("--config", str(settings), "settings", "set", "agency.calendar", "cn-guangxi")
    assert chosen.returncode == 0, chosen.stderr
    with_plugin = _cli(
        "--config", str(settings), "case", "replay", str(f), "--json", "--as-of", "2024-04-08"
    )
    assert json.loads(with_plugin.stdout)["deadlines"]["reply"]["due"] == "2024-05-10"
    assert json.loads(with_plugin.stdout)["calendar"] == "cn-guangxi"
    without = _cli("--no-plugins", "case", "replay", str(f), "--json", "--as-of", "2024-04-08")
    assert json.loads(without.stdout)["deadlines"]["reply"]["due"] == "2024-05-08"
    # the setting names a calendar only the plugin offers: without it, a clear error
    missing = _cli(
        "--config",
        str(settings),
        "--no-plugins",
        "case",
        "replay",
        str(f),
        "--as-of",
        "2024-04-08",
    )
    assert missing.returncode == 1 and "cn-guangxi" in missing.stderr
    assert "Traceback" not in missing.stderr
    env_off = _cli(
        "case",
        "replay",
        str(f),
        "--json",
        "--as-of",
        "2024-04-08",
        env={"DISCLOSURE_LOAD_PLUGINS": ""},
    )
    assert json.loads(env_off.stdout)["deadlines"]["reply"]["due"] == "2024-05-08"
    shown = _cli("--config", str(settings), "calendar", "show", "2024-04", "--json")
    days = {d["day"]: d for d in json.loads(shown.stdout)["days"]}
    assert days["2024-04-11"]["name"] == "壮族三月三" and not days["2024-04-11"]["working"]


def test_service_promise_policy() -> None:
    engine = Engine()
    case = Case("GXZW-2024-001", "natural_person", "online", D("2024-03-01"))
    reply = engine.fold(case, D("2024-03-12")).deadlines["reply"]
    assert reply.limit == 10 and reply.due == D("2024-03-15")
    assert "服务承诺" in reply.policy and reply.warning is True  # 7 of 10 days used
    assert engine.fold(case, D("2024-03-08")).deadlines["reply"].warning is False
    other = Case("2024-001", "natural_person", "online", D("2024-03-01"))
    assert engine.fold(other, D("2024-03-12")).deadlines["reply"].limit == 20


def test_plugins_command_lists_it() -> None:
    out = _cli("plugins", "--json")
    names = {p["name"]: p for p in json.loads(out.stdout)}
    assert {"disclosure.builtin", "guangxi"} <= set(names)
    assert "disclosure_deadline_policy" in names["guangxi"]["hooks"]
    assert names["guangxi"]["version"] == "0.1.0"
