"""The JSON Schemas in docs/schemas/ describe what the CLI really writes and reads.

Scripts built on ``--json`` output rely on these documents; the tests run
the commands on the examples and validate every document, so a key renamed
in code without the schema (or the other way round) fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conftest import DATA, EXAMPLES, ROOT
from disclosure.cli import cli
from disclosure.documents.source import load_file

SCHEMAS = ROOT / "docs" / "schemas"


def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    doc = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(doc, registry=REGISTRY)


def problems(name: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(document)
    ]


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["--no-plugins", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


CASE_FILES = [
    EXAMPLES / "agency-2024" / "cases.yaml",
    EXAMPLES / "agency-2020" / "cases.yaml",
    EXAMPLES / "zhangshu-2021" / "cases.yaml",
    EXAMPLES / "us-agency-2025" / "cases.yaml",
    EXAMPLES / "cases" / "worked-examples.yaml",
]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.parent.name)
def test_the_example_case_files_fit_the_case_file_schema(path: Path) -> None:
    # YAML reads unquoted dates as dates; their JSON form is the ISO text
    as_json = json.loads(json.dumps(load_file(path).data, default=str))
    assert problems("case-file.schema.json", as_json) == []


def test_a_lossless_export_fits_the_case_file_schema(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    source = str(EXAMPLES / "zhangshu-2021" / "cases.yaml")
    assert runner.invoke(cli, ["case", "import", source, "--db", db]).exit_code == 0
    out = tmp_path / "export.json"
    done = runner.invoke(
        cli, ["case", "export", "--show-personal-data", "-o", str(out), "--db", db]
    )
    assert done.exit_code == 0, done.output
    assert problems("case-file.schema.json", json.loads(out.read_text(encoding="utf-8"))) == []


def test_replayed_states_fit_the_case_state_schema() -> None:
    states = run(
        "case",
        "replay",
        str(EXAMPLES / "cases" / "worked-examples.yaml"),
        "--json",
        "--as-of",
        "2024-10-20",
    )
    assert len(states) >= 5
    for state in states:
        assert problems("case-state.schema.json", state) == []


@pytest.mark.parametrize(
    ("name", "year"), [("agency-2024", 2024), ("agency-2020", 2020), ("zhangshu-2021", 2021)]
)
def test_national_reports_fit_the_annual_report_schema(name: str, year: int) -> None:
    d = EXAMPLES / name
    doc = run(
        "report",
        "annual",
        "--year",
        str(year),
        "--cases",
        str(d / "cases.yaml"),
        "--agency-data",
        str(d / "agency.yaml"),
        "--format",
        "json",
    )
    assert problems("annual-report.schema.json", doc) == []


def test_the_doj_report_fits_the_statistics_report_schema() -> None:
    doc = run(
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
    assert problems("statistics-report.schema.json", doc) == []


def test_the_schemas_catch_what_they_promise() -> None:
    """Each schema refuses a document with a renamed key or a wrong type."""
    doc = run(
        "report",
        "annual",
        "--year",
        "2024",
        "--format",
        "json",
        "--cases",
        str(EXAMPLES / "agency-2024" / "cases.yaml"),
    )
    doc["checks"][0]["severity"] = "fatal"
    del doc["fees"]
    found = problems("annual-report.schema.json", doc)
    assert any("'fees' is a required property" in p for p in found)
    assert any(p.startswith("checks/0/severity") for p in found)
    state = run(
        "case",
        "replay",
        str(EXAMPLES / "cases" / "worked-examples.yaml"),
        "--json",
        "--as-of",
        "2024-10-20",
    )[0]
    deadline = next(iter(state["deadlines"].values()))
    deadline["remaining"] = deadline.pop("remaining_days")
    assert problems("case-state.schema.json", state)
    assert problems("case-file.schema.json", {"id": "X", "applicant": "a"})


#: Real published reports (page text, one of each format) and a file that is
#: not a report: what ``report check`` writes for each kind of outcome.
CHECKED = [
    DATA / "published" / "002-xiongxian-xiang-2019.txt",
    DATA / "published" / "004-shanghai-kewei-2024.txt",
    DATA / "published" / "005-shanghai-szfbgt-2025.txt",
    DATA / "bad" / "published" / "text-mismatch.txt",
    DATA / "bad" / "published" / "binary.txt",
]


def _report_check(tmp_path: Path, *options: str) -> tuple[Any, Any]:
    """The JSON ``report check`` prints, and the summary it writes, for CHECKED."""
    summary = tmp_path / "summary.json"
    args = ["report", "check", *map(str, CHECKED), "--jobs", "1", "--json"]
    result = CliRunner().invoke(cli, ["--no-plugins", *args, "--summary", str(summary), *options])
    assert result.exit_code == 2, result.output  # the binary file is unreadable
    return json.loads(result.stdout), json.loads(summary.read_text(encoding="utf-8"))


def test_report_check_output_matches_its_schemas(tmp_path: Path) -> None:
    printed, summary = _report_check(tmp_path)
    assert problems("report-check.schema.json", printed) == []
    assert problems("check-summary.schema.json", summary) == []
    # every kind of row is there: clean or warnings only, errors, unreadable
    statuses = {row["status"] for row in summary["reports"]}
    assert {"errors", "unreadable"} <= statuses and statuses & {"clean", "warnings"}
    assert len(summary["reports"]) == len(CHECKED) == summary["totals"]["reports"]
    assert [u["source"] for u in printed["unreadable"]] == [str(CHECKED[-1])]


def test_report_check_schemas_refuse_a_missing_key(tmp_path: Path) -> None:
    """A key the CLI stops writing (or renames) fails the schema."""
    printed, summary = _report_check(tmp_path)
    for key in ("file", "status", "agency", "year", "format", "tables_read", "errors"):
        broken = json.loads(json.dumps(summary))
        del broken["reports"][0][key]
        assert any(
            f"'{key}' is a required property" in p
            for p in problems("check-summary.schema.json", broken)
        ), key
    broken = json.loads(json.dumps(summary))
    broken["reports"][0]["first_eror"] = broken["reports"][0].pop("first_error")
    assert problems("check-summary.schema.json", broken)
    broken = json.loads(json.dumps(summary))
    del broken["totals"]["unreadable"]
    assert problems("check-summary.schema.json", broken)
    for key in ("findings", "table3", "format", "warnings"):
        broken = json.loads(json.dumps(printed))
        del broken["reports"][0][key]
        assert problems("report-check.schema.json", broken), key
    broken = json.loads(json.dumps(printed))
    finding = next(f for r in broken["reports"] for f in r["findings"])
    del finding["line"]
    assert problems("report-check.schema.json", broken)
