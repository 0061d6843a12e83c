"""Names for people in any language: ``labels`` by language tag, chosen by the reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosure.cli import cli
from disclosure.errors import RulesetError
from disclosure.rules.load import load_ruleset
from disclosure.rules.model import Outcome, State, label_of

DATA = Path(__file__).parent / "data"
TOY = (DATA / "rulesets" / "toy-foi.yaml").read_text("utf-8")


def test_the_exact_tag_then_the_same_language_then_the_first_name() -> None:
    state = State(zh="已收到", en="Received", labels={"es": "Recibida", "zh-Hant": "已收到申請"})
    assert label_of(state, "es") == "Recibida"
    assert label_of(state, "ES") == "Recibida"  # tags compare without case
    assert label_of(state, "zh-Hant") == "已收到申請"
    assert label_of(state, "zh-Hans") == "已收到"  # same language, no exact tag
    assert label_of(state, "en-GB") == "Received"
    assert label_of(state, "fr") == "已收到"  # nothing in French: the first name
    assert label_of(state) == "已收到"
    assert label_of(Outcome(group="x", labels={"es": "Concedida"}), "en") == "Concedida"
    assert label_of(Outcome(group="x")) == ""


def _toy_with(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "toy-es.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def test_a_ruleset_names_things_in_any_language(tmp_path: Path) -> None:
    text = TOY.replace(
        "  default_calendar: weekdays\n", "  default_calendar: weekdays\n  language: es\n"
    )
    text = text.replace(
        "  open: {initial: true, waiting_on: authority}",
        "  open: {initial: true, waiting_on: authority, labels: {es: Abierta, pt-BR: Aberta}}",
    )
    rs = load_ruleset(_toy_with(tmp_path, text))
    assert rs.ruleset.language == "es"
    assert dict(rs.states["open"].labels) == {"es": "Abierta", "pt-BR": "Aberta"}
    assert label_of(rs.states["open"], rs.ruleset.language) == "Abierta"
    assert label_of(rs.states["open"], "pt") == "Aberta"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  open: {initial: true, waiting_on: authority}",
            "  open: {initial: true, waiting_on: authority, labels: {'español': Abierta}}",
            "'español' is not a language tag",
        ),
        (
            "  default_calendar: weekdays\n",
            "  default_calendar: weekdays\n  language: Spanish language\n",
            "'Spanish language' is not a language tag",
        ),
    ],
)
def test_a_label_key_that_is_not_a_language_tag_is_named(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    f = _toy_with(tmp_path, TOY.replace(old, new))
    with pytest.raises(RulesetError, match=re.escape(message)) as raised:
        load_ruleset(f)
    assert re.search(r"toy-es\.yaml:\d+", str(raised.value))  # file:line


def test_the_cli_shows_names_in_the_readers_language(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        "id: A-1\napplicant: natural_person\nchannel: in_person\nreceived: 2024-09-10\n", "utf-8"
    )
    args = ["--no-plugins", "case", "replay", str(case), "--as-of", "2024-09-11"]
    chinese = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert chinese.exit_code == 0, chinese.output
    assert "已收到申请" in chinese.output  # the ruleset's language: zh
    english = CliRunner().invoke(cli, args, env={"DISCLOSURE_LANG": "en", "COLUMNS": "200"})
    assert english.exit_code == 0, english.output
    assert "Received" in english.output and "已收到申请" not in english.output
