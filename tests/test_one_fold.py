"""A write folds the case once: machine, engine, store and CLI share the one state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import D, case_open, make_case
from disclosure import Engine, Event, Machine
from disclosure.cli import cli
from disclosure.plugins import Plugins, hookimpl
from disclosure.store import Store


class FoldCount:
    """Folds run (fast or explaining) by every machine made while a test runs."""

    def __init__(self) -> None:
        self.machines: list[Machine] = []

    def __call__(self) -> int:
        return sum(m.folds for m in self.machines)

    def clear(self) -> None:
        for m in self.machines:
            m.folds = 0


@pytest.fixture
def folds(monkeypatch: pytest.MonkeyPatch) -> Iterator[FoldCount]:
    """Counts the folds of the machines the test makes (and of the shared ``machine``)."""
    count = FoldCount()
    original = Engine.machine_for

    def tracked(self: Engine, case: Any) -> Machine:
        machine = original(self, case)
        if machine not in count.machines:
            count.machines.append(machine)
        return machine

    monkeypatch.setattr(Engine, "machine_for", tracked)
    yield count


def test_machine_append_folds_once_and_returns_the_new_case(machine) -> None:
    case = make_case("2024-03-01", ("request_correction", "2024-03-04"))
    before = machine.folds
    state = machine.append(case, Event("correction_received", D("2024-03-08")), D("2024-03-08"))
    assert machine.folds == before + 1
    assert [e.type for e in state.case.events] == ["request_correction", "correction_received"]
    assert state.state == "under_review"
    assert state.deadlines["reply"].due == D("2024-04-08")
    assert machine.folds == before + 1, "reading a deadline must not fold again"
    assert state.deadlines["reply"].steps
    assert machine.folds == before + 2, "an explanation is the same fold run again, once"
    assert state.timeline
    assert machine.folds == before + 2


def test_store_append_folds_once(tmp_path: Path, engine, folds) -> None:
    with Store(tmp_path / "s.db", engine) as store:
        store.open_case(make_case("2024-09-10", case_id="A"))
        folds.clear()
        state = store.append("A", Event("request_correction", D("2024-09-13")), expected_seq=0)
        assert folds() == 1
        assert state.state == "awaiting_correction"
        assert store.projection("A").next_lapse == state.deadlines["correction"].due.isoformat()


def test_engine_append_tells_plugins_the_state_it_folded(folds) -> None:
    seen: list[tuple[str, str]] = []

    class Listener:
        @hookimpl
        def disclosure_event_applied(self, case: Any, event: Any, state: Any, on: Any) -> None:
            seen.append((event.type, state.state))

    engine = Engine(plugins=Plugins([("listener", Listener())]))
    case = make_case("2024-03-01", case_id="P")
    folds.clear()
    engine.append(case, Event("request_correction", D("2024-03-04")))
    assert folds() == 1
    assert seen == [("request_correction", "awaiting_correction")]


def test_cli_case_event_folds_once(tmp_path: Path, folds) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    opened = runner.invoke(
        cli,
        [
            *case_open("C-1", received=(dt.date.today() - dt.timedelta(days=3)).isoformat()),
            "--db",
            db,
        ],
    )
    assert opened.exit_code == 0, opened.output
    folds.clear()
    result = runner.invoke(cli, ["case", "event", "C-1", "request_correction", "--db", db])
    assert result.exit_code == 0, result.output
    assert "now awaiting_correction" in result.output
    assert folds() == 1
