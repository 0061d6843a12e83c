"""The plugin API: every hook, precedence, duplicates, and plugins that fail."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT, D, make_case
from disclosure import Case, Engine, Event, build_report
from disclosure.plugins import (
    CalendarAdjustment,
    DeadlinePolicy,
    OutcomeCode,
    PluginError,
    Plugins,
    RendererSpec,
    Resources,
    hookimpl,
    hookspecs,
)
from disclosure.store import Store

HOOKS = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("disclosure_")
)


def engine_with(*plugins: tuple[str, object]) -> Engine:
    return Engine(plugins=Plugins(extra=plugins))


class Obj:
    """A plugin made of given functions."""

    def __init__(self, **hooks: Any) -> None:
        for name, fn in hooks.items():
            setattr(self, name, hookimpl(fn))


def test_every_hook_is_documented_and_tested() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    source = Path(__file__).read_text(encoding="utf-8")
    tests = set(re.findall(r"^def (test_\w+)", source, re.M))
    for hook in HOOKS:
        assert f"### `{hook}`" in docs, f"{hook} has no section in docs/plugins.md"
        assert any(hook.removeprefix("disclosure_") in t for t in tests), f"{hook} has no test"


def test_resources_add_a_ruleset_and_a_calendar() -> None:
    plugin = Obj(
        disclosure_resources=lambda: Resources(
            rulesets=[DATA / "rulesets"], calendars=[DATA / "calendars-weekdays.yaml"]
        )
    )
    engine = engine_with(("toy", plugin))
    case = Case("R-1", "press", "email", D("2024-01-05"), ruleset="toy-foi")
    assert engine.fold(case).deadlines["answer"].due == D("2024-02-02")


def test_resources_duplicate_calendar_names_both_sources(tmp_path: Path) -> None:
    dup = tmp_path / "cn.yaml"
    dup.write_text("calendar: {id: cn, first_year: 2020, last_year: 2030}\n", encoding="utf-8")
    plugin = Obj(disclosure_resources=lambda: Resources(calendars=[dup]))
    with pytest.raises(Exception, match="calendar 'cn' is already defined in .*cn.yaml"):
        engine_with(("dup", plugin))


def test_resources_conflicting_default_calendars() -> None:
    a = Obj(disclosure_resources=lambda: Resources(default_calendar="cn"))
    b = Obj(disclosure_resources=lambda: Resources(default_calendar="cn-other"))
    with pytest.raises(
        PluginError,
        match=r"disagree on the default calendar: 'cn' \(plugin 'a'\), "
        r"'cn-other' \(plugin 'b'\)",
    ):
        engine_with(("a", a), ("b", b))


def test_calendar_adjustments_move_the_deadline_and_are_explained() -> None:
    plugin = Obj(
        disclosure_calendar_adjustments=lambda calendar_id: (
            CalendarAdjustment(holidays={D("2024-03-11"): "local day off"}, source="test notice")
            if calendar_id == "cn"
            else None
        )
    )
    engine = engine_with(("local", plugin))
    reply = engine.fold(make_case("2024-03-01"), D("2024-03-01")).deadlines["reply"]
    assert reply.due == D("2024-04-01")  # one day later than the national 2024-03-29
    off, _, _ = reply.special_days()
    assert [(i.day, i.name, i.source) for i in off] == [
        (D("2024-03-11"), "local day off", "test notice")
    ]


def test_deadline_policy_changes_the_limit_and_warns() -> None:
    plugin = Obj(
        disclosure_deadline_policy=lambda case, clock: (
            DeadlinePolicy(limit=10, warn_at=7, name="promise") if clock == "reply" else None
        )
    )
    engine = engine_with(("promise", plugin))
    case = make_case("2024-03-01")
    reply = engine.fold(case, D("2024-03-12")).deadlines["reply"]
    assert (reply.limit, reply.due, reply.warning) == (10, D("2024-03-15"), True)
    assert reply.policy == "promise (plugin promise)"
    assert reply.steps[1].action == "policy"
    corr = engine.fold(
        make_case("2024-03-01", ("request_correction", "2024-03-04", {"correction_period": 5})),
        D("2024-03-04"),
    )
    assert corr.deadlines["correction"].limit == 5  # the event's own limit is kept


def test_deadline_policy_precedence_first_result_wins() -> None:
    early = Obj(disclosure_deadline_policy=lambda: DeadlinePolicy(limit=5, name="early"))
    late = Obj(disclosure_deadline_policy=lambda: DeadlinePolicy(limit=7, name="late"))
    reply = (
        engine_with(("early", early), ("late", late))
        .fold(make_case("2024-03-01"))
        .deadlines["reply"]
    )
    assert reply.limit == 7  # registered later, asked first

    class First:
        @hookimpl(tryfirst=True)
        def disclosure_deadline_policy(self) -> DeadlinePolicy:
            return DeadlinePolicy(limit=3, name="first")

    reply = (
        engine_with(("first", First()), ("late", late))
        .fold(make_case("2024-03-01"))
        .deadlines["reply"]
    )
    assert reply.limit == 3


def test_outcome_codes_join_the_ruleset_and_the_report() -> None:
    plugin = Obj(
        disclosure_outcome_codes=lambda ruleset_id: [
            OutcomeCode(
                "unavailable.destroyed",
                group="unavailable",
                zh="档案已依法销毁",
                report_row="unavailable.not_held",
                report_rows={"cn-annual-2019": "unavailable.not_held"},
            )
        ]
    )
    engine = engine_with(("codes", plugin))
    case = make_case("2024-03-01", ("decide", "2024-03-05", {"outcome": "unavailable.destroyed"}))
    assert engine.fold(case).outcome_group == "unavailable"
    tpl = engine.template(year=2024)
    report = build_report([case], 2024, tpl, engine.machine())
    assert report.table3.value("unavailable.not_held", "total") == 1


def test_outcome_codes_errors_name_the_plugin() -> None:
    no_row = Obj(disclosure_outcome_codes=lambda: [OutcomeCode("other.x", group="other")])
    with pytest.raises(PluginError, match="plugin 'norow' gives outcome 'other.x' no row"):
        engine_with(("norow", no_row)).template(year=2024)
    bad_group = Obj(disclosure_outcome_codes=lambda: [OutcomeCode("x.y", group="nope")])
    with pytest.raises(PluginError, match="plugin 'bad' puts outcome 'x.y' in group 'nope'"):
        engine_with(("bad", bad_group)).machine()
    clash = Obj(disclosure_outcome_codes=lambda: [OutcomeCode("disclosed", group="disclosed")])
    with pytest.raises(PluginError, match="plugin 'clash' adds outcome code 'disclosed'"):
        engine_with(("clash", clash)).machine()


def test_report_renderers_added_and_duplicates_named() -> None:
    plugin = Obj(disclosure_report_renderers=lambda: [RendererSpec("yaml", lambda r: "x: 1\n")])
    engine = engine_with(("yamlr", plugin))
    assert set(engine.renderers()) == {"text", "markdown", "html", "csv", "json", "yaml"}
    dup = Obj(disclosure_report_renderers=lambda: [RendererSpec("json", lambda r: "{}")])
    with pytest.raises(
        PluginError,
        match="renderer 'json' is given by both plugin 'disclosure.builtin' and plugin 'dup'",
    ):
        engine_with(("dup", dup)).renderers()


def test_event_applied_is_told_after_the_store_commits(tmp_path: Path) -> None:
    seen: list[tuple[str, str, str]] = []
    plugin = Obj(
        disclosure_event_applied=lambda case, event, state: seen.append(
            (case.id, event.type, state.state)
        )
    )
    engine = engine_with(("audit", plugin))
    with Store(tmp_path / "s.db", engine) as store:
        store.open_case(make_case("2024-03-01", case_id="A"))
        store.append("A", Event("request_correction", D("2024-03-04")))
    assert seen == [("A", "request_correction", "awaiting_correction")]
    engine.apply(make_case("2024-03-01", case_id="B"), Event("extend", D("2024-03-04")))
    assert seen[-1] == ("B", "extend", "received")


def _raiser(*_: Any, **__: Any) -> Any:
    raise RuntimeError("boom")


@pytest.mark.parametrize("hook", HOOKS)
def test_a_plugin_raising_in_any_hook_is_named_and_changes_nothing(
    hook: str, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    with Store(db, Engine(plugins=Plugins.builtin_only())) as store:
        store.open_case(make_case("2024-03-01", case_id="A"))
    plugin = Obj(**{hook: _raiser})
    message = f"plugin 'broken' failed in hook '{hook}': RuntimeError: boom"
    with pytest.raises(PluginError, match=re.escape(message)):
        engine = engine_with(("broken", plugin))
        case = make_case("2024-03-01", case_id="A")
        engine.fold(case)
        engine.template(year=2024)
        engine.renderers()
        with Store(db, engine) as store:
            store.append("A", Event("extend", D("2024-03-04")))
    with Store(db, Engine(plugins=Plugins.builtin_only())) as store:
        events = store.get("A").events
        if hook == "disclosure_event_applied":
            assert [e.type for e in events] == ["extend"]  # committed; the error says so
        else:
            assert events == ()
        assert store.verify() == []


def test_event_applied_failure_says_the_event_was_recorded(tmp_path: Path) -> None:
    engine = engine_with(("broken", Obj(disclosure_event_applied=_raiser)))
    with Store(tmp_path / "s.db", engine) as store:
        store.open_case(make_case("2024-03-01", case_id="A"))
        with pytest.raises(PluginError, match="event 'extend' was recorded, but plugin 'broken'"):
            store.append("A", Event("extend", D("2024-03-04")))


def test_wrong_return_type_is_named() -> None:
    plugin = Obj(disclosure_deadline_policy=lambda: {"limit": 3})
    with pytest.raises(
        PluginError,
        match="plugin 'wrong' returned dict from hook "
        "'disclosure_deadline_policy', expected DeadlinePolicy",
    ):
        engine_with(("wrong", plugin)).fold(make_case("2024-03-01"))


class _FakeEntryPoint:
    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name, self.value, self.dist, self._error = name, f"{name}_module", None, error

    def load(self) -> Any:
        if self._error:
            raise self._error
        return Obj(disclosure_report_renderers=lambda: [RendererSpec("fake", lambda r: "")])


def test_entry_points_load_and_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    import disclosure.plugins.manager as plugins_mod

    monkeypatch.setattr(
        plugins_mod,
        "_entry_points",
        lambda: [
            _FakeEntryPoint("good"),
            _FakeEntryPoint("bad", ImportError("No module named 'x'")),
        ],
    )
    monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", "good")
    loaded = Plugins.load()
    assert [p.name for p in loaded.info()] == ["disclosure.builtin", "good"]
    monkeypatch.delenv("DISCLOSURE_LOAD_PLUGINS")
    with pytest.raises(
        PluginError,
        match=r"plugin 'bad' \(bad_module\) failed to load: "
        r"ImportError: No module named 'x'",
    ):
        Plugins.load()
    assert [p.name for p in Plugins.load(no_plugins=True).info()] == ["disclosure.builtin"]


def test_plugins_command_lists_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from disclosure.cli import cli

    result = CliRunner().invoke(cli, ["plugins", "--json"])
    doc = json.loads(result.stdout)
    assert doc[0]["name"] == "disclosure.builtin" and doc[0]["builtin"] is True
    assert "disclosure_report_renderers" in doc[0]["hooks"]
    _ = dt
