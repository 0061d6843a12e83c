"""The Python examples in README.md and docs/api.md run, and print what they say.

An example that drifts from the API is worse than none: a newcomer copies it
first. Each ```python block runs in a temporary directory holding the
README's own case file; a ``print(...)  # text`` line must print ``text`` (up
to the first `` (`` or ``;`` of the comment, which explain rather than show).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import attrs
import pytest

from conftest import ROOT

FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def blocks(path: Path, lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(path.read_text(encoding="utf-8")) if kind == lang]


def readme_case_file() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## A case file") :]
    return blocks_of(section, "yaml")[0]


def blocks_of(text: str, lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(text) if kind == lang]


def expected_prints(code: str) -> list[str]:
    """The text each commented ``print`` line promises, in order."""
    out = []
    for line in code.splitlines():
        if line.lstrip().startswith("print(") and "#" in line:
            comment = line.split("#", 1)[1].strip()
            out.append(re.split(r" \(|;", comment, maxsplit=1)[0].strip())
    return out


def run_blocks(codes: list[str], where: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run each block as a script of its own: nothing defined by another, nothing given."""
    (where / "case.yaml").write_text(readme_case_file(), encoding="utf-8")
    (where / "cases.yaml").write_text(readme_case_file(), encoding="utf-8")
    (where / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(where)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in codes:
            exec(compile(code, "<doc example>", "exec"), {"__name__": "__main__"})
    return printed.getvalue().splitlines()


def test_the_readme_python_example_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = blocks(ROOT / "README.md", "python")
    promised = expected_prints(code)
    assert len(promised) == 3
    assert run_blocks([code], tmp_path, monkeypatch) == promised


def test_the_api_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = [c for c in blocks(ROOT / "docs" / "api.md", "python") if "report.html" not in c]
    assert len(codes) >= 3
    promised = [line for code in codes for line in expected_prints(code)]
    assert run_blocks(codes, tmp_path, monkeypatch) == promised
    assert (tmp_path / "cases.db").exists()  # the store example wrote its store


def test_every_public_name_is_in_docs_api() -> None:
    """Each name ``from disclosure import *`` gives is in docs/api.md, in code."""
    import disclosure

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    prose = FENCE.sub("", text)
    spans = " ".join([*re.findall(r"`[^`]+`", prose), *(body for _, body in FENCE.findall(text))])
    missing = [n for n in disclosure.__all__ if not re.search(rf"\b{re.escape(n)}\b", spans)]
    assert missing == []


def test_docs_api_recommends_the_engine_for_report_templates() -> None:
    """``load_template(..., engine.ruleset())`` breaks on a plugin's outcome code; the
    docs show ``engine.template``, which places it, and the two agree without plugins."""
    from disclosure import Engine, Plugins, load_template
    from disclosure.errors import TemplateError
    from disclosure.plugins import OutcomeCode, hookimpl

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text[text.index("## Annual reports") : text.index("## The case store")]
    assert 0 <= section.index("engine.template(") < section.index("load_template(")

    class Destroyed:
        @hookimpl
        def disclosure_outcome_codes(self, ruleset_id: str) -> list[OutcomeCode]:
            code = OutcomeCode("unavailable.destroyed", group="unavailable", zh="依法销毁")
            return [attrs.evolve(code, report_row="unavailable.not_held")]

    engine = Engine(plugins=Plugins(extra=[("destroyed", Destroyed())], entry_points=False))
    tpl = engine.template("cn-annual-2021")
    assert tpl.table3.mapping["unavailable.destroyed"] == "unavailable.not_held"
    with pytest.raises(TemplateError, match="unavailable.destroyed"):
        load_template("cn-annual-2021", engine.ruleset())
    plain = Engine(plugins=Plugins.builtin_only())
    assert plain.template(year=2024) == load_template("cn-annual-2021", plain.ruleset())


def test_the_plugin_test_in_docs_plugins_runs_as_a_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The "Testing a plugin" block, with a stand-in for the agency's plugin module."""
    import sys
    import types

    from disclosure.lifecycle.policy import DeadlinePolicy
    from disclosure.plugins import hookimpl

    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = text[text.index("## Testing a plugin") :]
    (code,) = blocks_of(section, "python")[:1]

    module = types.ModuleType("disclosure_myagency")

    @hookimpl
    def disclosure_deadline_policy(case: object, clock: str, ruleset: object) -> object:
        return DeadlinePolicy(limit=15, name="promise") if clock == "reply" else None

    module.disclosure_deadline_policy = disclosure_deadline_policy  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "disclosure_myagency", module)
    monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", "")
    namespace: dict[str, object] = {"__name__": "test_myagency"}
    exec(compile(code, "<docs/plugins.md>", "exec"), namespace)
    test = namespace["test_promise"]
    assert callable(test)
    test()


def test_the_worked_renderer_in_docs_plugins_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = text[text.index("#### The report a renderer receives") :]
    (code,) = blocks_of(section, "python")[:1]
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "<docs/plugins.md>", "exec"), namespace)
    assert printed.getvalue().splitlines() == expected_prints(code)
    render = namespace["render_tsv"]
    assert callable(render)
    with pytest.raises(TypeError):
        render(object())


def test_each_calendar_file_in_docs_calendars_loads(tmp_path: Path) -> None:
    """Each calendar block is one file that loads as it stands; the built-in one is
    what its file holds."""
    from disclosure.calendars.registry import CalendarRegistry, read_calendar_file
    from disclosure.errors import CalendarError

    files = []
    for i, body in enumerate(blocks(ROOT / "docs" / "calendars.md", "yaml")):
        if not re.search(r"^calendar:", body, re.M):
            continue  # a fragment (the display section), not a whole file
        f = tmp_path / f"{i}.yaml"
        f.write_text(body, "utf-8")
        first = body.splitlines()[0]
        if first.startswith("# rulesets/"):
            built_in = read_calendar_file(ROOT / first.split()[1])
            assert read_calendar_file(f).calendar.national == built_in.calendar.national
        else:
            files.append(f)
            read_calendar_file(f)
    assert len(files) == 3
    registry = CalendarRegistry.default(files)
    for cid in ("cn-guangxi", "us-dc", "us-federal-closures"):
        assert registry.get(cid).id == cid
    # two calendars in one file: refused where the second starts, saying what to do
    both = tmp_path / "both.yaml"
    both.write_text(files[1].read_text("utf-8") + "---\n" + files[2].read_text("utf-8"), "utf-8")
    lines = len(files[1].read_text("utf-8").splitlines())
    with pytest.raises(CalendarError, match=f"both.yaml:{lines + 1}:1: .*a file of its own"):
        read_calendar_file(both)
