"""Agency settings (disclosure.toml): found upwards, checked before they are written, applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import case_open, make_case
from disclosure import Engine
from disclosure.cli import cli
from disclosure.plugins import Plugins
from disclosure.settings import Settings, SettingsError, find_settings, load_settings
from disclosure.store.sqlite import Store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-plugins", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCLOSURE_CONFIG", raising=False)
    return tmp_path


def test_settings_are_found_in_a_parent_folder(here: Path) -> None:
    (here / "disclosure.toml").write_text('[agency]\nname = "某市政府办公室"\n', "utf-8")
    deeper = here / "a" / "b"
    deeper.mkdir(parents=True)
    assert find_settings(deeper) == here / "disclosure.toml"
    assert load_settings(find_settings(deeper)).name == "某市政府办公室"
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(here / "missing.toml")  # a file named on purpose must exist


def test_no_file_means_the_built_in_defaults(here: Path) -> None:
    assert load_settings() == Settings()
    code, out, _ = run("settings", "show", "--json")
    assert code == 0 and json.loads(out)["source"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[agency]\ncalender = 'cn'\n", "unknown key 'agency.calender' (did you mean 'calendar'?)"),
        ("[agnecy]\nname = 'x'\n", "unknown section 'agnecy'"),
        ("[agency]\nname = 5\n", "agency.name must be text"),
        ("[agency\n", "not valid TOML"),
        ("[parameters]\ncorrection_period = 15\n", "[parameters.RULESET] tables"),
    ],
)
def test_mistakes_in_the_file_are_named(here: Path, text: str, message: str) -> None:
    (here / "disclosure.toml").write_text(text, "utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert message in str(raised.value)
    code, _, err = run("calendar", "add", "2024-09-10", "5")
    assert code == 1 and "disclosure.toml" in err and "Traceback" not in err


def test_set_checks_before_writing_and_the_engine_applies_the_settings(here: Path) -> None:
    code, out, _ = run("settings", "set", "parameters.cn-ogi-2019.correction_period", "15")
    assert code == 0, out
    assert load_settings().parameters == {"cn-ogi-2019": {"correction_period": 15}}
    before = (here / "disclosure.toml").read_text("utf-8")
    for key, value, message in (
        ("agency.calendar", "cn-atlantis", "cn-atlantis"),
        ("parameters.cn-ogi-2019.correction_period", "010", "correction_period"),
        ("parameters.cn-ogi-2019.corection_period", "15", "did you mean 'correction_period'"),
        ("agency.colour", "red", "unknown setting 'agency.colour'"),
    ):
        code, _, err = run("settings", "set", key, value)
        assert code == 1 and message in err, err
        assert (here / "disclosure.toml").read_text("utf-8") == before  # nothing written
    engine = Engine(plugins=Plugins.builtin_only(), **load_settings().engine_options())
    case = make_case("2024-09-10", ("request_correction", "2024-09-11"))
    assert engine.fold(case).deadlines["correction"].limit == 15
    assert run("settings", "set", "agency.name", '某市 "政府" 办公室')[0] == 0
    assert load_settings().name == '某市 "政府" 办公室'  # quotes survive the TOML writer
    code, out, _ = run("settings", "show", "--json")
    doc = json.loads(out)
    assert doc["agency"]["name"] == '某市 "政府" 办公室' and doc["source"].endswith(
        "disclosure.toml"
    )


@pytest.mark.parametrize(("typed", "kept"), [("1_0", "10"), (" 12", "12"), ("15", "15")])
def test_set_echoes_a_parameter_as_it_was_kept(here: Path, typed: str, kept: str) -> None:
    code, out, _ = run("settings", "set", "parameters.cn-ogi-2019.correction_period", typed)
    assert code == 0, out
    assert f"correction_period = {kept} (in " in out
    assert load_settings().parameters == {"cn-ogi-2019": {"correction_period": int(kept)}}


def test_the_cli_uses_the_agency_calendar_and_ruleset(here: Path) -> None:
    f = here / "c.yaml"
    f.write_text(
        "id: A-1\napplicant: natural_person\nchannel: in_person\nreceived: 2024-09-10\n", "utf-8"
    )
    args = ("case", "replay", str(f), "--json", "--as-of", "2024-09-10")
    assert json.loads(run(*args)[1])["calendar"] == "cn"
    (here / "disclosure.toml").write_text('[agency]\ncalendar = "cn-test"\n', "utf-8")
    code, _, err = run(*args)
    assert code == 1 and "cn-test" in err  # an unknown calendar is named, not ignored
    other = here / "other.toml"
    other.write_text('[agency]\nruleset = "us-foia"\n', "utf-8")
    code, _, err = run("--config", str(other), *args)
    assert code == 1 and "unknown applicant kind 'natural_person'" in err


def test_the_statistics_report_takes_the_agency_name_from_the_settings(here: Path) -> None:
    from conftest import EXAMPLES

    (here / "disclosure.toml").write_text('[agency]\nname = "Department of Settings"\n', "utf-8")
    code, out, err = run(
        "report",
        "annual",
        "--year",
        "2025",
        "--ruleset",
        "us-foia",
        "--format",
        "json",
        "--cases",
        str(EXAMPLES / "us-agency-2025" / "cases.yaml"),
    )
    assert code == 0, err
    assert json.loads(out)["agency"] == "Department of Settings"


def test_init_stores_the_agency_settings_after_checking_them(here: Path) -> None:
    code, _, err = run("init", "--calendar", "cn-atlantis")
    assert code == 1 and "cn-atlantis" in err
    assert not (here / "disclosure.db").exists() and not (here / "disclosure.toml").exists()
    code, out, err = run("init", "--agency", "某市人民政府办公室", "--ruleset", "us-foia")
    assert code == 0, err
    assert "agency settings stored in disclosure.db" in out
    assert not (here / "disclosure.toml").exists()  # they travel with the cases
    with Store.open_existing(here / "disclosure.db", Engine(plugins=Plugins.builtin_only())) as s:
        stored = s.stored_settings()
        assert stored is not None
        assert (stored.name, stored.ruleset) == ("某市人民政府办公室", "us-foia")
        assert s.engine.default_ruleset == "us-foia"  # opening the store applies them
    code, out, _ = run("settings", "show", "--json")
    doc = json.loads(out)
    assert doc["agency"]["ruleset"] == "us-foia" and doc["source"].endswith("stored settings)")


def test_store_settings_win_over_the_file_key_by_key(here: Path) -> None:
    (here / "disclosure.toml").write_text(
        '[agency]\nname = "File Office"\n\n[parameters.cn-ogi-2019]\ncorrection_period = 12\n',
        "utf-8",
    )
    assert run("init")[0] == 0
    code, out, err = run("settings", "set", "parameters.cn-ogi-2019.correction_period", "15")
    assert code == 0 and "(in disclosure.db (stored settings))" in out, err
    assert "correction_period = 12" in (here / "disclosure.toml").read_text("utf-8")
    code, out, _ = run("settings", "show", "--json")
    doc = json.loads(out)
    assert doc["agency"]["name"] == "File Office"  # the store sets no name: the file's stays
    assert doc["parameters"] == {"cn-ogi-2019": {"correction_period": 15}}
    # the store's parameter is the one its cases are folded with
    assert run(*case_open("A", received="2024-09-10"))[0] == 0
    code, _, err = run("case", "event", "A", "request_correction", "--on", "2024-09-11")
    assert code == 0, err
    code, out, _ = run("case", "show", "A", "--json")
    assert json.loads(out)["deadlines"]["correction"]["limit"] == 15
    # --file writes the file even when there is a store; a bad value changes neither
    assert run("settings", "set", "agency.name", "New Name", "--file")[0] == 0
    assert load_settings().name == "New Name"
    code, _, err = run("settings", "set", "agency.calendar", "cn-atlantis")
    assert code == 1 and "cn-atlantis" in err
    with Store.open_existing(here / "disclosure.db", Engine(plugins=Plugins.builtin_only())) as s:
        stored = s.stored_settings()
        assert stored is not None and stored.calendar == ""


def test_settings_show_prints_values_as_text(here: Path) -> None:
    (here / "disclosure.toml").write_text(
        '[agency]\nname = "[bold]X[/bold] \\u001b[2J"\n', encoding="utf-8"
    )
    code, out, _ = run("settings", "show")
    assert code == 0
    assert "agency.name = [bold]X[/bold] \\x1b[2J" in out  # markup and ESC shown as text
    assert "[dim]" not in out and "\x1b" not in out


def test_the_annual_report_of_a_store_follows_the_agency_settings_kept_in_it(here: Path) -> None:
    from conftest import EXAMPLES

    cases = str(EXAMPLES / "us-agency-2025" / "cases.yaml")
    assert run("init", "--agency", "Department of Stores", "--ruleset", "us-foia")[0] == 0
    assert run("case", "import", cases)[0] == 0
    # no --ruleset: the store's regime reports with its own template and name
    code, out, err = run("report", "annual", "--year", "2025", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["agency"] == "Department of Stores" and doc["format"].startswith("us-doj")
    # the same from the settings file, for case files
    (here / "disclosure.toml").write_text(
        '[agency]\nname = "Department of Files"\nruleset = "us-foia"\n', "utf-8"
    )
    code, out, err = run("report", "annual", "--year", "2025", "--format", "json", "--cases", cases)
    assert code == 0, err
    assert json.loads(out)["agency"] == "Department of Files"


def test_an_exported_agency_key_does_not_name_a_statistics_report(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$DISCLOSURE_AGENCY is the tenant key on a server; the name comes from the settings."""
    from conftest import EXAMPLES

    us = str(EXAMPLES / "us-agency-2025" / "cases.yaml")
    (here / "disclosure.toml").write_text('[agency]\nname = "Department of Files"\n', "utf-8")
    monkeypatch.setenv("DISCLOSURE_AGENCY", "gx-key")
    args = ("report", "annual", "--year", "2025", "--ruleset", "us-foia", "--format", "json")
    code, out, err = run(*args, "--cases", us)
    assert code == 0, err
    assert json.loads(out)["agency"] == "Department of Files"
    # typed on the command line, it still names the report of case files
    code, out, err = run(*args, "--cases", us, "--agency", "Office of X")
    assert code == 0, err
    assert json.loads(out)["agency"] == "Office of X"
    # a SQLite store: the name kept in it, over the file's
    monkeypatch.delenv("DISCLOSURE_AGENCY")
    assert run("init", "--agency", "Department of Stores", "--ruleset", "us-foia")[0] == 0
    assert run("case", "import", us)[0] == 0
    monkeypatch.setenv("DISCLOSURE_AGENCY", "gx-key")
    code, out, err = run(*args)
    assert code == 0, err
    assert json.loads(out)["agency"] == "Department of Stores"


def test_agency_names_a_statistics_report_of_a_sqlite_store_and_is_refused_for_the_national(
    here: Path,
) -> None:
    from conftest import EXAMPLES

    us = str(EXAMPLES / "us-agency-2025" / "cases.yaml")
    assert run("init", "--ruleset", "us-foia")[0] == 0
    assert run("case", "import", us)[0] == 0
    args = ("report", "annual", "--year", "2025", "--format", "json", "--agency", "Office of X")
    code, out, err = run(*args)
    assert code == 0, err
    assert json.loads(out)["agency"] == "Office of X"
    # a national store: --agency would have to scope the cases, which a SQLite file cannot
    assert run("init", "--db", "cn.db")[0] == 0
    code, out, err = run("report", "annual", "--year", "2024", "--db", "cn.db", "--agency", "X")
    assert code != 0 and "--agency needs a postgresql:// store" in err and not out
