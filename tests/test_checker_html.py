"""The checker's fast HTML scan gives exactly the events html.parser gives.

``sources._scan`` reads plain markup with one expression and hands the rest
of the page to html.parser at the first markup it does not know; these tests
hold it to html.parser's own reading on real pages, Word's HTML export and
random hostile markup.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from disclosure.reports.checker import sources

PUBLISHED = ROOT / "tests" / "data" / "published"


class _Events(HTMLParser):
    """The events :class:`sources._HtmlCells` uses: start and end tags, and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data))


Events = list[tuple[str, str]]


def _parsed(html: str) -> Events:
    """html.parser's events; one it raises on (``<![x]>``) ends them with its error."""
    parser = _Events()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError as exc:
        parser.events.append(("raised", str(exc)))
    return parser.events


def _scanned(html: str) -> tuple[Events, str]:
    """The fast scan's events, html.parser's for what it leaves (the rest, also returned)."""
    parser = _Events()
    rest = sources._scan(parser, html)
    try:
        if rest:
            parser.feed(rest)
        parser.close()
    except AssertionError as exc:
        parser.events.append(("raised", str(exc)))
    return parser.events, rest


#: Markup of real pages, Word's HTML export and near misses of the fast path's
#: forms (each either read by it exactly or left to html.parser).
# fmt: off
FRAGMENTS = [
    "<p>", "</p>", "<P CLASS=MsoNormal ALIGN=center>", "</P >", "<br/>", "<BR>", "<br />",
    "<o:p>", "</o:p>", "<o:p></o:p>", '<st1:chsdate Year="2023" w:st="on">', "</st1:chsdate>",
    "<v:shape o:spid='_x0000_s1026' style='width:1pt'>", "<x:str>", "<w:WordDocument>",
    "<![if !supportLists]>", "<![endif]>", "<![if gte vml 1]>", "<![ELSE]>", "<![endif ]>",
    "<![iffy]>", "<![if x]]>", "<![if x] >", "<![CDATA[x]]>", "<![temp[ x ]]>",
    '<?xml:namespace prefix = o ns="urn:schemas-microsoft-com:office:office" />', "<?>",
    "<?php echo 1 ?>", "<!--[if gte mso 9]><xml></xml><![endif]-->", "<!-- c -->",
    "<!-- c -- d -->", "<!-->", "<!--->", "<!---->", "<!-- a --!>", "<!x>", "<!>", "</>",
    "<!DOCTYPE html>", "<!doctype html PUBLIC \"-//W3C//DTD\">", "<span style='a:b'>",
    '<span style="font-family: 微软雅黑;">', "<span lang=EN-US>", "<td nowrap>",
    "<td width=72 valign=top>", "</td\t>", "<td\n>", "<p a='x'b>", '<p a="x"/ b>', "<p a=b/>",
    "<span a=b/>", "<p/>", "<p =x>", "<p a==b>", "<p a=\u3000b>", "<p\u3000a>", "<a\vb>",
    "<p\x00>", "</ o:p>", "</o:p x>", "</p\v>", "<a<b>", "<a:>", "<a.b-c_d>", "</a.b-c_d>",
    "<script>var a='<b>';</script>", "<SCRIPT>x</SCRIPT >", "<style><!-- p {} --></style>",
    "<style>p{}</style>", "<script>", "</script>", "<table border=1>", "<tr>", "</tr>",
    "<td>", "</td>", "<th>", "</th>", "&nbsp;", "&amp;", "&#20013;", "&#x4e2d", "&lt;td&gt;",
    "&am", "&", " a < b ", "<", ">", "</", "<!", "<?", "<!--", "<![", "表一", "12", "\n", " ",
    '<p a="x>y">', "<!-- a <b> c -->tail", "<!-- a -> b -->", "<script>a</script>tail", "<p",
    "<o:p", "<p>x<p", "</p", "<style>a</style >b<style>c",
]
# fmt: on
ALPHABET = "<>/!?-=\"' \t\n\r\f\v\x00\xa0\u3000&;#[]:.aAbpPoO1表"

markup = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, max_size=6)),
    max_size=30,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(markup, st.sampled_from([1, 2, 3, 5, 8, 13, sources._BATCH]))
def test_fast_scan_gives_html_parsers_events(html: str, batch: int) -> None:
    """Also when the page is cut into pieces in batches of a few characters."""
    saved, sources._BATCH = sources._BATCH, batch
    try:
        events, _ = _scanned(html)
    finally:
        sources._BATCH = saved
    assert events == _parsed(html)


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_each_fragment_in_context(fragment: str) -> None:
    for html in (fragment, f"<p>一{fragment}二</p>", f"{fragment}<td>3</td>{fragment}"):
        events, _ = _scanned(html)
        assert events == _parsed(html)


@pytest.mark.parametrize(
    "path", [p for p in sorted(PUBLISHED.glob("[0-9]*")) if "<table" in p.read_text("utf-8")]
)
def test_real_pages_are_scanned_whole(path: Path) -> None:
    """The corpus's HTML (a crawled page, Word's export) never needs html.parser's scanner."""
    html = path.read_text("utf-8").replace('\\"', '"')
    events, rest = _scanned(html)
    assert rest == ""
    assert events == _parsed(html)
