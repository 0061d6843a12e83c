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
    from datetime import date

    (where / "case.yaml").write_text(readme_case_file(), encoding="utf-8")
    (where / "cases.yaml").write_text(readme_case_file(), encoding="utf-8")
    monkeypatch.chdir(where)
    namespace: dict[str, object] = {"date": date}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in codes:
            exec(compile(code, "<doc example>", "exec"), namespace)
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
    run_blocks(codes, tmp_path, monkeypatch)
    assert (tmp_path / "cases.db").exists()  # the store example wrote its store


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
