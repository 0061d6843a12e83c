"""The plugin API: every hook, precedence, duplicates, and plugins that fail."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from conftest import DATA, GUANGXI, ROOT, D, make_case
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


def test_resources_may_name_a_single_ruleset_file_and_template_file(tmp_path: Path) -> None:
    plugin = Obj(
        disclosure_resources=lambda: Resources(
            rulesets=[DATA / "rulesets" / "toy-foi.yaml"],
            calendars=[DATA / "calendars-weekdays.yaml"],
        )
    )
    engine = engine_with(("toy", plugin))
    case = Case("R-1", "press", "email", D("2024-01-05"), ruleset="toy-foi")
    assert engine.fold(case).deadlines["answer"].due == D("2024-02-02")
    from disclosure.reports.template import builtin_templates

    one = tmp_path / "my-annual.yaml"
    one.write_bytes((ROOT / "rulesets" / "reports" / "cn-annual-2021.yaml").read_bytes())
    assert builtin_templates([one])["my-annual"] == one


def test_resources_duplicate_calendar_names_both_sources(tmp_path: Path) -> None:
    dup = tmp_path / "cn.yaml"
    dup.write_text("calendar: {id: cn, first_year: 2020, last_year: 2030}\n", encoding="utf-8")
    plugin = Obj(disclosure_resources=lambda: Resources(calendars=[dup]))
    with pytest.raises(Exception, match="calendar 'cn' is already defined in .*cn.yaml"):
        engine_with(("dup", plugin))


def test_a_plugin_offers_a_calendar_and_the_agency_chooses_it() -> None:
    """Installing a plugin changes no default; the agency's setting does."""
    regional = Obj(disclosure_resources=lambda: Resources(calendars=[GUANGXI]))
    case = make_case("2024-04-08")
    installed = engine_with(("gx", regional))
    assert installed.fold(case).calendar == "cn"
    assert installed.fold(case).deadlines["reply"].due == D("2024-05-08")
    chosen = Engine(plugins=Plugins([("gx", regional)]), default_calendar="cn-guangxi")
    assert chosen.fold(case).calendar == "cn-guangxi"
    assert chosen.fold(case).deadlines["reply"].due == D("2024-05-10")
    with pytest.raises(TypeError):
        Resources(default_calendar="cn-guangxi")  # type: ignore[call-arg]


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
    for far, warned in ((D("2099-01-01"), True), (D("1999-01-01"), False)):  # outside 'cn'
        late = engine.fold(case, far).deadlines["reply"]
        assert (late.warning, late.remaining, late.overdue) == (warned, None, warned)
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


def test_a_bare_record_where_a_list_is_expected_names_the_plugin() -> None:
    bare = Obj(disclosure_outcome_codes=lambda: OutcomeCode("other.x", group="other"))
    with pytest.raises(
        PluginError, match=r"plugin 'bare' returned OutcomeCode .*expected a list of OutcomeCode"
    ):
        engine_with(("bare", bare)).machine()
    one = Obj(disclosure_report_renderers=lambda: RendererSpec("yaml", lambda r: "x: 1\n"))
    with pytest.raises(PluginError, match=r"plugin 'one' returned RendererSpec"):
        engine_with(("one", one)).renderers()


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
    def __init__(
        self, name: str, error: BaseException | None = None, plugin: object | None = None
    ) -> None:
        self.name, self.value, self.dist, self._error = name, f"{name}_module", None, error
        self._plugin = plugin

    def load(self) -> Any:
        if self._error:
            raise self._error
        if self._plugin is not None:
            return self._plugin
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
        Plugins(entry_points=True, strict=True)
    assert [p.name for p in Plugins.load(no_plugins=True).info()] == ["disclosure.builtin"]


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (_FakeEntryPoint("bad", ImportError("No module named 'x'")), "ImportError"),
        (_FakeEntryPoint("quits", SystemExit(2)), "SystemExit"),
        (
            _FakeEntryPoint("typo", plugin=Obj(disclosure_calendar_adjustmnts=lambda: None)),
            "unknown hook 'disclosure_calendar_adjustmnts'",
        ),
    ],
)
def test_a_broken_plugin_is_left_out_with_a_warning_and_the_rest_work(
    monkeypatch: pytest.MonkeyPatch, broken: Any, reason: str
) -> None:
    import json

    from click.testing import CliRunner

    import disclosure.plugins.manager as plugins_mod
    from disclosure.cli import cli
    from disclosure.errors import PluginWarning

    monkeypatch.setattr(plugins_mod, "_entry_points", lambda: [broken, _FakeEntryPoint("good")])
    monkeypatch.delenv("DISCLOSURE_LOAD_PLUGINS", raising=False)
    with pytest.warns(PluginWarning, match=reason):
        loaded = Plugins.load()
    assert [p.name for p in loaded.info() if not p.broken] == ["disclosure.builtin", "good"]
    assert "fake" in Engine(plugins=loaded).renderers()  # the good plugin still works
    listed = CliRunner().invoke(cli, ["plugins", "--json"])
    assert listed.exit_code == 1
    rows = {p["name"]: p for p in json.loads(listed.stdout)}
    assert reason in rows[broken.name]["broken"] and rows["good"]["broken"] is None
    other = CliRunner().invoke(cli, ["calendar", "add", "2024-09-10", "5"])
    assert other.exit_code == 0, other.output
    assert f"warning: plugin '{broken.name}'" in other.stderr and "Traceback" not in other.stderr


def test_plugins_command_lists_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from disclosure.cli import cli

    result = CliRunner().invoke(cli, ["plugins", "--json"])
    doc = json.loads(result.stdout)
    assert doc[0]["name"] == "disclosure.builtin" and doc[0]["builtin"] is True
    assert "disclosure_report_renderers" in doc[0]["hooks"]
    _ = dt


# -- pluggy's calling semantics: firstresult, order, wrappers --------------------------


def test_deadline_policy_first_result_stops_asking() -> None:
    asked: list[str] = []

    def answer(name: str, limit: int | None) -> Any:
        def policy() -> DeadlinePolicy | None:
            asked.append(name)
            return DeadlinePolicy(limit=limit, name=name) if limit else None

        return Obj(disclosure_deadline_policy=policy)

    engine = engine_with(("early", answer("early", 5)), ("late", answer("late", 7)))
    assert engine.fold(make_case("2024-03-01")).deadlines["reply"].limit == 7
    assert asked and set(asked) == {"late"}  # the earlier plugin was never called
    asked.clear()
    engine = engine_with(("early", answer("early", 5)), ("late", answer("late", None)))
    assert engine.fold(make_case("2024-03-01")).deadlines["reply"].limit == 5
    assert asked[:2] == ["late", "early"]  # no answer from the later one: ask on


def test_calendar_adjustments_follow_tryfirst_and_trylast() -> None:
    def adjust(name: str, **marks: bool) -> object:
        class Plugin:
            @hookimpl(**marks)
            def disclosure_calendar_adjustments(self) -> CalendarAdjustment:
                return CalendarAdjustment(source=name)

        return Plugin()

    plugins = Plugins(
        extra=[
            ("last", adjust("last", trylast=True)),
            ("a", adjust("a")),
            ("first", adjust("first", tryfirst=True)),
            ("b", adjust("b")),
        ]
    )
    found = plugins.calendar_adjustments("cn")
    assert [(plugin, adj.source) for plugin, adj in found] == [
        ("first", "first"),
        ("b", "b"),
        ("a", "a"),
        ("last", "last"),
    ]


def test_deadline_policy_wrapper_sees_and_changes_the_result() -> None:
    seen: list[DeadlinePolicy | None] = []

    class Stricter:
        @hookimpl(wrapper=True)
        def disclosure_deadline_policy(self, clock: str) -> Any:
            policy = yield
            seen.append(policy)
            if clock == "reply" and policy is not None:
                return attrs.evolve(policy, limit=policy.limit - 2)
            return policy

    promise = Obj(disclosure_deadline_policy=lambda: DeadlinePolicy(limit=10, name="promise"))
    # the wrapper is registered first, yet wraps the later plugin's answer
    engine = engine_with(("stricter", Stricter()), ("promise", promise))
    reply = engine.fold(make_case("2024-03-01")).deadlines["reply"]
    assert seen[0] == DeadlinePolicy(limit=10, name="promise")
    assert (reply.limit, reply.policy) == (8, "promise (plugin stricter)")


def test_report_renderers_wrappers_add_values_named_after_them() -> None:
    class NewStyle:
        @hookimpl(wrapper=True)
        def disclosure_report_renderers(self) -> Any:
            found = yield
            return [*found, [RendererSpec("json", lambda r: "{}")]]

    with pytest.raises(
        PluginError,
        match="renderer 'json' is given by both plugin 'disclosure.builtin' and plugin 'new'",
    ):
        engine_with(("new", NewStyle())).renderers()

    class OldStyle:
        @hookimpl(hookwrapper=True)
        def disclosure_report_renderers(self) -> Any:
            outcome = yield
            outcome.force_result([*outcome.get_result(), [RendererSpec("yaml", lambda r: "")]])

    assert "yaml" in engine_with(("old", OldStyle())).renderers()

    class WrongType:
        @hookimpl(wrapper=True)
        def disclosure_report_renderers(self) -> Any:
            yield
            return "text"

    with pytest.raises(
        PluginError,
        match="plugin 'str' returned str from hook 'disclosure_report_renderers', "
        "expected a list of results",
    ):
        engine_with(("str", WrongType())).renderers()


def test_wrapper_failures_are_named() -> None:
    class Raising:
        @hookimpl(wrapper=True)
        def disclosure_resources(self) -> Any:
            yield
            raise KeyError("x")

    with pytest.raises(
        PluginError, match="^plugin 'raising' failed in hook 'disclosure_resources': KeyError: 'x'$"
    ):
        engine_with(("raising", Raising()))

    class NoYield:
        @hookimpl(wrapper=True)
        def disclosure_resources(self) -> Any:
            return
            yield

    with pytest.raises(
        PluginError,
        match="plugin 'noyield' failed in hook 'disclosure_resources': "
        "RuntimeError: the hook wrapper did not yield",
    ):
        engine_with(("noyield", NoYield()))

    class NotAGenerator:
        @hookimpl(wrapper=True)
        def disclosure_resources(self) -> None:
            return None

    with pytest.raises(PluginError, match="plugin 'plain' cannot be registered: .*generator"):
        engine_with(("plain", NotAGenerator()))


def test_wrapper_sees_an_inner_failure_which_keeps_its_name() -> None:
    seen: list[BaseException] = []

    class Watching:
        @hookimpl(wrapper=True)
        def disclosure_resources(self) -> Any:
            try:
                return (yield)
            except PluginError as exc:
                seen.append(exc)
                raise

    broken = Obj(disclosure_resources=_raiser)
    with pytest.raises(
        PluginError, match="^plugin 'broken' failed in hook 'disclosure_resources': RuntimeError"
    ):
        engine_with(("watching", Watching()), ("broken", broken))
    assert len(seen) == 1 and isinstance(seen[0].__context__, RuntimeError)

    class Forgiving:
        @hookimpl(wrapper=True)
        def disclosure_deadline_policy(self) -> Any:
            try:
                return (yield)
            except PluginError:
                return None

    broken_policy = Obj(disclosure_deadline_policy=_raiser)
    engine = engine_with(("forgiving", Forgiving()), ("broken", broken_policy))
    assert engine.fold(make_case("2024-03-01")).deadlines["reply"].limit == 20  # the law's


# -- misspelled hooks, one-line errors, whose value ---------------------------------------


def test_misspelled_hook_is_an_error_naming_plugin_and_hook() -> None:
    typo = Obj(disclosure_calendar_adjustment=lambda calendar_id: None)
    with pytest.raises(
        PluginError,
        match=re.escape(
            "plugin 'typo' implements unknown hook 'disclosure_calendar_adjustment' "
            "(did you mean 'disclosure_calendar_adjustments'?)"
        ),
    ):
        Plugins(extra=[("typo", typo)])
    unprefixed = Obj(calendar_adjustments=lambda calendar_id: None)
    with pytest.raises(PluginError, match="did you mean 'disclosure_calendar_adjustments'"):
        Plugins(extra=[("bare", unprefixed)])


def test_undecorated_helpers_and_optional_hooks_are_not_listed_as_hooks() -> None:
    class Plugin:
        @hookimpl
        def disclosure_resources(self) -> None:
            return None

        def disclosure_helper(self) -> None:  # not decorated: not a hook
            raise AssertionError

        def helper(self) -> None:
            raise AssertionError

        @hookimpl(optionalhook=True)
        def disclosure_calendar_adjustment(self) -> None:  # pluggy lets it be; unlisted
            return None

    info = {p.name: p.hooks for p in Plugins(extra=[("p", Plugin())]).info()}
    assert info["p"] == ("disclosure_resources",)


def test_a_raising_hook_gives_one_line() -> None:
    def multiline() -> None:
        raise ValueError("first line\n  second line")

    with pytest.raises(PluginError) as caught:
        engine_with(("multi", Obj(disclosure_resources=multiline)))
    assert str(caught.value) == (
        "plugin 'multi' failed in hook 'disclosure_resources': ValueError: first line second line"
    )
    assert isinstance(caught.value.__context__, ValueError)  # kept for debugging


def test_resources_wrong_type_names_the_plugin_that_gave_it() -> None:
    plugins = Plugins(
        extra=[
            ("a", Obj(disclosure_resources=lambda: Resources())),
            ("b", Obj(disclosure_resources=lambda: {"rulesets": []})),
            ("c", Obj(disclosure_resources=lambda: None)),
            ("d", Obj(disclosure_resources=lambda: Resources())),
        ]
    )
    with pytest.raises(
        PluginError,
        match="plugin 'b' returned dict from hook 'disclosure_resources', expected Resources",
    ):
        plugins.resources()


# -- renderers -------------------------------------------------------------------------


def _report(engine: Engine) -> Any:
    case = make_case("2024-03-01", ("decide", "2024-03-05", {"outcome": "disclosed"}))
    return build_report([case], 2024, engine.template(year=2024), engine.machine())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            RendererSpec("boom", _raiser),
            "plugin 'r' failed in report renderer 'boom': RuntimeError: boom",
        ),
        (
            RendererSpec("number", lambda r: 42),
            "plugin 'r' returned int from report renderer 'number', expected str",
        ),
        (
            RendererSpec("word", lambda r: "text", binary=True),
            "plugin 'r' returned str from report renderer 'word', expected bytes",
        ),
        (
            RendererSpec("lines", lambda r: b"bytes"),
            "plugin 'r' returned bytes from report renderer 'lines', expected str",
        ),
    ],
)
def test_report_renderer_failures_are_named(spec: RendererSpec, message: str) -> None:
    from disclosure.annual import AnnualReportJob

    engine = engine_with(("r", Obj(disclosure_report_renderers=lambda: [spec])))
    job = AnnualReportJob(engine)
    with pytest.raises(PluginError, match=f"^{re.escape(message)}$"):
        job.render(_report(engine), spec.name)
    assert job.render(_report(engine), "text")  # the others still work


# -- the command line ------------------------------------------------------------------


def _cli_with(
    monkeypatch: pytest.MonkeyPatch, plugin: object, *args: str
) -> tuple[int, str, str, BaseException | None]:
    from click.testing import CliRunner

    import disclosure.plugins.manager as plugins_mod
    from disclosure.cli import cli

    monkeypatch.setattr(
        plugins_mod, "_entry_points", lambda: [_FakeEntryPoint("fake", plugin=plugin)]
    )
    monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", "fake")
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr, result.exception


CASES = str(ROOT / "examples" / "agency-2024" / "cases.yaml")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            RendererSpec("boom", _raiser),
            "error: plugin 'fake' failed in report renderer 'boom': RuntimeError: boom\n",
        ),
        (
            RendererSpec("boom", lambda r: None),
            "error: plugin 'fake' returned NoneType from report renderer 'boom', expected str\n",
        ),
    ],
)
def test_cli_report_renderer_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, spec: RendererSpec, message: str
) -> None:
    plugin = Obj(disclosure_report_renderers=lambda: [spec])
    code, out, err, exc = _cli_with(
        monkeypatch,
        plugin,
        "report",
        "annual",
        "--year",
        "2024",
        "--cases",
        CASES,
        "--format",
        "boom",
    )
    assert (code, out, err) == (1, "", message)
    assert isinstance(exc, SystemExit)  # handled: no traceback


def test_cli_plugins_command_rejects_a_misspelled_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    typo = Obj(disclosure_report_renderer=lambda: [])
    code, out, err, exc = _cli_with(monkeypatch, typo, "plugins", "--json")
    assert code == 1 and isinstance(exc, SystemExit)
    reason = (
        "plugin 'fake' implements unknown hook 'disclosure_report_renderer' "
        "(did you mean 'disclosure_report_renderers'?)"
    )
    assert err == f"warning: {reason}; it is left out (see 'disclosure plugins')\n"
    assert json.loads(out)[-1] == {
        "name": "fake",
        "version": "?",
        "hooks": [],
        "builtin": False,
        "broken": reason,
        "provides": {},
    }


def test_cli_report_rejects_an_unknown_format_before_building(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import disclosure.annual as job_mod

    def no_build(*_: Any, **__: Any) -> Any:
        raise AssertionError("built the report")

    monkeypatch.setattr(job_mod.AnnualReportJob, "build", no_build)
    plugin = Obj(disclosure_report_renderers=lambda: [RendererSpec("yaml", lambda r: "")])
    code, _, err, _ = _cli_with(
        monkeypatch,
        plugin,
        "report",
        "annual",
        "--year",
        "2024",
        "--cases",
        CASES,
        "--format",
        "yml",
    )
    assert (code, err) == (1, "error: no report renderer 'yml' (did you mean 'yaml'?)\n")


def test_a_new_regime_runs_from_files_alone_through_the_cli(tmp_path: Path) -> None:
    """Writing a new regime: a ruleset file, a calendar file, a case file; no Python."""
    from click.testing import CliRunner

    from disclosure.cli import cli

    regime = tmp_path / "my-regime.yaml"
    regime.write_bytes((DATA / "rulesets" / "toy-foi.yaml").read_bytes())
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "id: R-1\napplicant: press\nchannel: email\nreceived: 2024-01-05\nevents: []\n",
        encoding="utf-8",
    )
    common = [
        "--ruleset",
        str(regime),
        "--calendar-file",
        str(DATA / "calendars-weekdays.yaml"),
        "--as-of",
        "2024-01-08",
        "--json",
    ]
    runner = CliRunner()
    replay = runner.invoke(cli, ["--no-plugins", "case", "replay", str(cases), *common])
    assert replay.exit_code == 0, replay.output
    doc = json.loads(replay.stdout)
    assert doc["ruleset"] == "toy-foi" and doc["deadlines"]["answer"]["due"] == "2024-02-02"
    explain = runner.invoke(cli, ["--no-plugins", "case", "explain", str(cases), *common])
    assert explain.exit_code == 0, explain.output
    assert json.loads(explain.stdout)["clock"] == "answer"  # the first clock: no primary named
    missing = runner.invoke(cli, ["case", "replay", str(cases), "--ruleset", "./nope.yaml"])
    assert missing.exit_code == 1 and "no such ruleset file" in missing.stderr


def test_a_calendar_adjustment_with_text_dates_names_the_plugin_and_the_fix() -> None:
    plugin = Obj(
        disclosure_calendar_adjustments=lambda calendar_id: CalendarAdjustment(
            holidays={"2025-05-07": "local day"}  # type: ignore[dict-item]
        )
    )
    with pytest.raises(PluginError, match=r"plugin 'strs'.*write date\(2025, 5, 7\)"):
        engine_with(("strs", plugin)).fold(make_case("2025-05-06"))


def test_rules_commands_see_the_rulesets_and_outcomes_plugins_add(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugin = Obj(
        disclosure_resources=lambda: Resources(rulesets=[DATA / "rulesets" / "toy-foi.yaml"]),
        disclosure_outcome_codes=lambda ruleset_id: (
            [
                OutcomeCode(
                    "unavailable.destroyed", group="unavailable", report_row="unavailable.not_held"
                )
            ]
            if ruleset_id == "cn-ogi-2019"
            else []
        ),
    )
    code, out, _, _ = _cli_with(monkeypatch, plugin, "rules", "list", "--json")
    assert code == 0 and "toy-foi" in {r["name"] for r in json.loads(out)}
    code, out, _, _ = _cli_with(monkeypatch, plugin, "rules", "show", "toy-foi", "--json")
    assert code == 0 and json.loads(out)["ruleset"]["id"] == "toy-foi"
    code, out, _, _ = _cli_with(monkeypatch, plugin, "rules", "show", "cn-ogi-2019", "--json")
    assert "unavailable.destroyed" in json.loads(out)["outcomes"]
    code, out, _, _ = _cli_with(monkeypatch, plugin, "rules", "graph", "toy-foi")
    assert code == 0 and out.startswith("stateDiagram-v2")


def test_plugins_json_says_what_each_plugin_provides(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = Obj(
        disclosure_resources=lambda: Resources(
            rulesets=[DATA / "rulesets" / "toy-foi.yaml"], calendars=[GUANGXI]
        ),
        disclosure_report_renderers=lambda: [RendererSpec("yaml", lambda r: "x: 1\n")],
        disclosure_deadline_policy=lambda case, clock, ruleset: None,
    )
    code, out, _, _ = _cli_with(monkeypatch, plugin, "plugins", "--json")
    assert code == 0
    rows = {p["name"]: p["provides"] for p in json.loads(out)}
    assert rows["fake"] == {
        "rulesets": ["toy-foi"],
        "calendars": ["cn-guangxi"],
        "renderers": ["yaml"],
        "hooks": ["deadline_policy"],
    }
    assert "us-foia" in rows["disclosure.builtin"]["rulesets"]


def test_a_machine_with_an_installed_plugins_policy_pickles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pickle

    import disclosure.plugins.manager as plugins_mod

    promise = Obj(
        disclosure_deadline_policy=lambda case, clock, ruleset: (
            DeadlinePolicy(limit=3) if clock == "reply" else None
        )
    )
    monkeypatch.setattr(
        plugins_mod, "_entry_points", lambda: [_FakeEntryPoint("promise", plugin=promise)]
    )
    monkeypatch.delenv("DISCLOSURE_LOAD_PLUGINS", raising=False)
    machine = Engine(plugins=Plugins.load()).machine()
    again = pickle.loads(pickle.dumps(machine))  # the plugins are loaded again, not copied
    case = make_case("2024-03-01")
    assert (
        again.fold(case).deadlines["reply"].limit
        == 3
        == machine.fold(case).deadlines["reply"].limit
    )
    local = Engine(plugins=Plugins([("promise", promise)])).machine()
    with pytest.raises(TypeError, match="Plugins built from plugin objects do not pickle"):
        pickle.dumps(local)


def test_a_typo_in_one_plugins_calendar_stops_only_the_cases_that_use_it(
    tmp_path: Path,
) -> None:
    """The broken calendar is left out with a warning naming the plugin and the file;
    other calendars keep working, and asking for the broken one names the file."""
    from disclosure.errors import DisclosureError, PluginWarning

    broken = tmp_path / "cn-typo.yaml"
    broken.write_text(
        "calendar: {id: cn-typo, extends: cn, first_year: 2019, last_year: 2030}\n"
        "holidays:\n  2024-04-11: {nme: x}\n",
        encoding="utf-8",
    )
    regional = Obj(disclosure_resources=lambda: Resources(calendars=[broken, GUANGXI]))
    with pytest.warns(PluginWarning, match=r"plugin 'gx': calendar file .*cn-typo.yaml"):
        engine = engine_with(("gx", regional))
    assert engine.fold(make_case("2024-04-08")).deadlines["reply"].due == D("2024-05-08")
    assert engine.calendars.get("cn-guangxi") is not None  # the plugin's good file stays
    with pytest.raises(DisclosureError, match=r"no calendar 'cn-typo'.*left out, plugin 'gx'"):
        engine.fold(make_case("2024-04-08", calendar="cn-typo"))


def test_the_cli_says_which_plugin_calendar_was_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import disclosure.cli._engine as cli_engine
    from disclosure.cli import cli

    broken = tmp_path / "cn-typo.yaml"
    broken.write_text("calendar: {id: cn-typo\n", encoding="utf-8")
    regional = Obj(disclosure_resources=lambda: Resources(calendars=[broken]))
    monkeypatch.setattr(cli_engine, "load_plugins", lambda: Plugins(extra=[("gx", regional)]))
    case = tmp_path / "c.yaml"
    case.write_text(
        "id: A\napplicant: natural_person\nchannel: online\nreceived: 2024-09-10\n", "utf-8"
    )
    result = CliRunner().invoke(cli, ["case", "replay", str(case), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: plugin 'gx': calendar file ")
    assert "Traceback" not in result.stderr and "registry.py" not in result.stderr


def test_a_name_in_load_plugins_that_is_not_installed_is_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    import disclosure.plugins.manager as plugins_mod
    from disclosure.cli import cli
    from disclosure.errors import PluginWarning

    monkeypatch.setattr(
        plugins_mod, "_entry_points", lambda: [_FakeEntryPoint("good"), _FakeEntryPoint("other")]
    )
    monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", "godo, other")
    with pytest.warns(
        PluginWarning, match=r"'godo'.*installed: good, other\); did you mean 'good'"
    ):
        loaded = Plugins.load()
    assert [p.name for p in loaded.info()] == ["disclosure.builtin", "other"]
    result = CliRunner().invoke(cli, ["calendar", "add", "2024-09-10", "5"])
    assert result.exit_code == 0 and result.stderr == (
        "warning: DISCLOSURE_LOAD_PLUGINS names 'godo', which is not an installed plugin "
        "(installed: good, other); did you mean 'good'?\n"
    )
    for quiet in ("", "good"):  # none, or installed ones: nothing to say
        monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", quiet)
        assert CliRunner().invoke(cli, ["calendar", "add", "2024-09-10", "5"]).stderr == ""


def test_a_plugins_statistics_template_is_found_by_name_beside_annual_ones(
    tmp_path: Path,
) -> None:
    """A plugin's template folder may hold both kinds; its statistics template is found
    by name, and its annual-report template is not taken for one."""
    from disclosure import AnnualReportJob
    from disclosure.reports.statistics.template import statistics_dir

    folder = tmp_path / "templates"
    folder.mkdir()
    doj = (statistics_dir() / "us-doj-annual.yaml").read_text(encoding="utf-8")
    (folder / "us-doj-county.yaml").write_text(doj, encoding="utf-8")
    annual = ROOT / "rulesets" / "reports" / "cn-annual-2021.yaml"
    (folder / "cn-annual-county.yaml").write_text(annual.read_text("utf-8"), encoding="utf-8")
    plugin = Obj(disclosure_resources=lambda: Resources(templates=[folder]))
    engine = engine_with(("county", plugin))
    cases = str(ROOT / "examples" / "us-agency-2025" / "cases.yaml")
    job = AnnualReportJob(engine)
    ours = job.build_statistics(2025, case_files=cases, template="us-doj-county", ruleset="us-foia")
    builtin = job.build_statistics(2025, case_files=cases, ruleset="us-foia")
    assert ours.tables == builtin.tables
    from disclosure.reports.statistics import is_statistics_template

    assert is_statistics_template("us-doj-county", engine.template_dirs)
    assert not is_statistics_template("cn-annual-county", engine.template_dirs)
