"""The audit summary as one self-contained HTML page.

One file to mail or archive: inline CSS and a little inline JavaScript (sort
by a column, open a row to its findings and the cells of tables 三 and 四 as
read), nothing fetched from the network. Everything from the reports is
untrusted — agency names, file names, messages — so every value is
HTML-escaped, control and bidi characters are shown as ``\\uXXXX``, and a
Content-Security-Policy allows only this page's own script and style (by
hash): even markup that slipped through could neither run nor load anything.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from disclosure.reports.audit import COLUMNS, Outcome, Unreadable, summary_row, totals

_CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 margin:1.5em;color:#1d1d1f}
h1{font-size:1.4em;margin:0 0 .3em}
p.totals{margin:.2em 0 1em}
p.totals span{display:inline-block;padding:0 .5em;border-radius:3px;margin-right:.3em}
table.reports{border-collapse:collapse;width:100%}
table.reports>thead th{position:sticky;top:0;background:#eef1f5;text-align:left;cursor:pointer;
 user-select:none;border-bottom:2px solid #9aa5b1;padding:.35em .5em;white-space:nowrap}
table.reports>thead th::after{content:" \\2195";color:#9aa5b1}
table.reports>thead th[aria-sort=ascending]::after{content:" \\25B2";color:#1d1d1f}
table.reports>thead th[aria-sort=descending]::after{content:" \\25BC";color:#1d1d1f}
tr.main>td{padding:.3em .5em;border-bottom:1px solid #dde2e8;vertical-align:top}
tr.main{cursor:pointer}
table.reports>tbody{scroll-margin-top:2.5em}
td.nowrap{white-space:nowrap}
tr.main:hover{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.first div{max-width:26em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
button.toggle{border:0;background:none;cursor:pointer;font-size:1em;padding:0 .2em}
button.toggle[aria-expanded=true]{transform:rotate(90deg)}
.st{font-weight:600;padding:0 .4em;border-radius:3px}
.clean{background:#e3f4e6;color:#11632a}
.warnings{background:#fff4d6;color:#7a5a00}
.errors{background:#fde2e1;color:#a4161a}
.unreadable{background:#ece0f5;color:#5b1a85}
tr.detail>td{background:#fafbfc;border-bottom:2px solid #9aa5b1;padding:.6em 1em 1em 2.2em}
tr.detail h3{font-size:1em;margin:.8em 0 .3em}
tr.detail table{border-collapse:collapse;font-size:.92em}
tr.detail th,tr.detail td{border:1px solid #d0d7de;padding:.15em .45em;text-align:left}
tr.detail td.rule{white-space:nowrap}
tr.detail td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.detail td.unread{background:#fde2e1;text-align:center}
tr.detail p.reason{margin:.2em 0}
"""

_JS = """
(function () {
  "use strict";
  var table = document.getElementById("reports");
  var heads = table.tHead.rows[0].cells;
  function key(body, col, num) {
    var cell = body.rows[0].cells[col];
    var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    return num ? (v === "" ? -Infinity : parseFloat(v)) : v;
  }
  function compare(x, y, num) {
    if (num) { return x === y ? 0 : (x < y ? -1 : 1); }
    return x.localeCompare(y, "zh");
  }
  function sortBy(col) {
    var th = heads[col];
    var num = th.getAttribute("data-type") === "num";
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var bodies = Array.prototype.slice.call(table.tBodies);
    bodies.sort(function (a, b) {
      var c = compare(key(a, col, num), key(b, col, num), num);
      if (c !== 0) { return asc ? c : -c; }
      return key(a, 0, true) - key(b, 0, true);  // ties keep the original order
    });
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    bodies.forEach(function (b) { table.appendChild(b); });
  }
  function toggle(body, open) {
    var detail = body.rows[1];
    if (open === undefined) { open = detail.hidden; }
    detail.hidden = !open;
    body.querySelector("button.toggle").setAttribute("aria-expanded", open ? "true" : "false");
  }
  table.tHead.addEventListener("click", function (e) {
    var th = e.target.closest("th");
    if (th) { sortBy(th.cellIndex); }
  });
  table.addEventListener("click", function (e) {
    var row = e.target.closest("tr.main");
    if (row && !String(window.getSelection())) { toggle(row.parentNode); }
  });
  function fromHash() {
    var m = /^#open=(\\d+|all)$/.exec(location.hash);
    if (!m) { return; }
    if (m[1] === "all") {
      Array.prototype.forEach.call(table.tBodies, function (b) { toggle(b, true); });
      return;
    }
    var body = document.getElementById("r" + m[1]);
    if (!body) { return; }
    toggle(body, true);
    var top = body.rows[0].getBoundingClientRect();
    if (top.top < 0 || top.bottom > window.innerHeight) { body.scrollIntoView(); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""

_HEADINGS = {
    "file": "file",
    "status": "status",
    "agency": "agency",
    "year": "year",
    "format": "format",
    "tables_read": "tables read",
    "errors": "errors",
    "warnings": "warnings",
    "first_error": "first error",
}
_SEVERITY = {"error": "errors", "warning": "warnings"}  # the status colours
_NUMERIC = {"year", "tables_read", "errors", "warnings"}
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


_CSP = f"default-src 'none'; style-src '{_sha256(_CSS)}'; script-src '{_sha256(_JS)}'"


def esc(value: object) -> str:
    """A value from a report as HTML text: escaped, its control characters made visible."""
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if value is None else str(value))
    return html.escape(text, quote=True)


def summary_html(outcomes: Sequence[Outcome], title: str = "Annual reports checked") -> str:
    """The page: totals, then one sortable, expandable row per report."""
    count = totals(outcomes)
    summary = " ".join(
        f'<span class="{k}">{count[k]} {label}</span>'
        for k, label in (
            ("clean", "clean"),
            ("warnings", "with warnings only"),
            ("errors", "with errors"),
            ("unreadable", "unreadable"),
        )
    )
    numeric = ' data-type="num"'
    heads = [f'<th{numeric} aria-sort="ascending">#</th>'] + [
        f"<th{numeric if c in _NUMERIC else ''}>{_HEADINGS[c]}</th>" for c in COLUMNS
    ]
    bodies = "\n".join(_report(n, o) for n, o in enumerate(outcomes, 1))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style></head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n"
        f'<p class="totals">{count["reports"]} reports: {summary}</p>\n'
        '<p class="hint">Click a column header to sort; click a row for its findings and '
        "the cells of tables 三 and 四 as read. <code>#open=N</code> in the address opens "
        "row N.</p>\n"
        f'<table class="reports" id="reports">\n<thead><tr>{"".join(heads)}</tr></thead>\n'
        f"{bodies}\n</table>\n<script>{_JS}</script>\n</body></html>\n"
    )


def _report(n: int, outcome: Outcome) -> str:
    """One report: a ``<tbody>`` holding its row and its hidden details, sorted as one."""
    row = summary_row(outcome)
    cells = [
        f'<td class="num" data-v="{n}"><button class="toggle" type="button" '
        f'aria-expanded="false" aria-controls="d{n}" aria-label="details">&#9656;</button>'
        f"{n}</td>"
    ]
    for col in COLUMNS:
        value = row[col]
        if col == "status":
            cells.append(f'<td><span class="st {esc(value)}">{esc(value)}</span></td>')
        elif col in _NUMERIC:
            shown = "" if value is None else value
            cells.append(f'<td class="num" data-v="{esc(shown)}">{esc(shown)}</td>')
        elif col == "first_error":
            cells.append(f'<td class="first"><div title="{esc(value)}">{esc(value)}</div></td>')
        elif col == "format":
            cells.append(f'<td class="nowrap">{esc(value)}</td>')
        else:
            cells.append(f"<td>{esc(value)}</td>")
    return (
        f'<tbody id="r{n}"><tr class="main">{"".join(cells)}</tr>\n'
        f'<tr class="detail" id="d{n}" hidden><td colspan="{len(COLUMNS) + 1}">'
        f"{_details(outcome)}</td></tr></tbody>"
    )


def _details(outcome: Outcome) -> str:
    if isinstance(outcome, Unreadable):
        return f'<p class="reason">Not checked: {esc(outcome.reason)}</p>'
    parts = [f"<h3>Findings ({len(outcome.findings)})</h3>"]
    if outcome.findings:
        rows = []
        for f in outcome.findings:
            where = " / ".join(x for x in (f.table, f.row, f.column) if x)
            if f.line:
                where += f"{', ' if where else ''}line {f.line}"
            colour = _SEVERITY.get(f.severity, "")
            rows.append(
                f'<tr><td class="rule">{esc(f.rule)}</td>'
                f'<td><span class="st {colour}">{esc(f.severity)}</span></td>'
                f"<td>{esc(f.message)}</td><td>{esc(where)}</td></tr>"
            )
        parts.append(
            "<table><thead><tr><th>rule</th><th>severity</th><th>message</th><th>where</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    else:
        parts.append("<p>None: every check passed.</p>")
    t3 = outcome.tables.get("table3") or {}
    parts.append("<h3>Table 三 as read</h3>")
    parts.append(_grid(t3.get("columns", ()), (t3.get("rows") or {}).items()))
    t4 = outcome.tables.get("table4") or {}
    columns = list(next(iter(t4.values()), {}).keys()) if t4 else []
    parts.append("<h3>Table 四 as read</h3>")
    parts.append(_grid(columns, ((k, [cells.get(c) for c in columns]) for k, cells in t4.items())))
    return "".join(parts)


def _grid(columns: Sequence[str], rows: Iterable[tuple[str, Sequence[Any]]]) -> str:
    body = [
        f"<tr><th>{esc(key)}</th>"
        + "".join(
            '<td class="unread">?</td>' if v is None else f'<td class="n">{esc(v)}</td>'
            for v in values
        )
        + "</tr>"
        for key, values in rows
    ]
    if not body:
        return "<p>Not found.</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
