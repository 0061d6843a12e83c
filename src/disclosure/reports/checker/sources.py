"""Report files as text: plain text, Markdown, HTML, .docx and PDF.

Each form becomes lines of text; table rows become one line with their
cells tab-separated and empty cells written as :data:`~.tokens.BLANK`
(an empty cell in a published table is a zero, and dropping it would shift
every cell after it). Anything that is not an annual report, or cannot be
read safely, raises :class:`Unreadable` (a ``ValueError``: the command line
reports it as unreadable, exit 2), never a traceback.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import logging
import re
import zipfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from disclosure.documents.source import MAX_BYTES, ReadError, read_limited
from disclosure.reports.checker.tokens import BLANK

#: The most a .docx may unpack to. Word files of real reports unpack to a few
#: MiB; a zip bomb of a few KiB can declare gigabytes.
MAX_UNPACKED = 100 * 1024 * 1024
#: Pages of a PDF that are read; annual reports have 5-30.
MAX_PDF_PAGES = 80
#: Decompressed drawing instructions a PDF page, and a whole PDF, may hold:
#: the pages of real reports hold 4-44 KB each.
MAX_PDF_PAGE_CONTENT = 2 * 1024 * 1024
MAX_PDF_CONTENT = 16 * 1024 * 1024
#: Bounds on one report's text, so that no input costs more than about a
#: second: real reports have at most a few thousand lines (a thousand for a
#: page with a cell per line) and a few hundred to two thousand tokens.
MAX_LINES = 100_000
MAX_TOKENS = 6_000
#: XML elements a .docx document may hold (a real report's has tens of thousands).
MAX_ELEMENTS = 1_000_000
#: Pieces of markup (``<``) an HTML page may hold: real report pages have a
#: few thousand (3,546 in the largest of the corpus).
MAX_TAGS = 300_000


class Unreadable(ValueError):
    """A file that is not an annual report or cannot be read.

    ``reason`` says why; ``source`` (when known) is the file, and then
    ``str()`` starts with it, so that the error says where. The command's
    table shows the file in its own column and only the reason beside it.
    """

    def __init__(self, reason: str, source: str = "") -> None:
        super().__init__(f"{source}: {reason}" if source else reason)
        self.reason = reason
        self.source = source

    def __reduce__(self) -> tuple[type[Unreadable], tuple[str, str]]:
        return type(self), (self.reason, self.source)


#: Tags that end a paragraph (a set: pages have thousands of tags, most not these).
_BLOCKS = frozenset(
    ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table", "br", "section")
)


class _HtmlCells(HTMLParser):
    """Paragraphs as lines; table rows as tab-separated cells, empty ones as BLANK."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "tr":
            self._flush_text()
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in _BLOCKS and self.cell is None:
            self._flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            self.row.append(text or BLANK)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(c != BLANK for c in self.row):
                self.lines.append("\t".join(self.row))
            self.row = None
        elif tag in _BLOCKS:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.text.append(data)

    def _flush_text(self) -> None:
        text = "".join(self.text).strip()
        if text:
            self.lines.extend(t for t in text.splitlines() if t.strip())
        self.text = []


def html_to_text(html: str) -> str:
    """One line per paragraph and per table row (cells tab-separated), parsed once.

    A page of more than :data:`MAX_TAGS` pieces of markup is refused before
    it is parsed (inline images, however large, hold none).
    """
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise Unreadable(
            f"the page holds {tags:,} pieces of markup, more than any annual report "
            f"(at most {MAX_TAGS:,} are read); not checked"
        )
    parser = _HtmlCells()
    rest = _scan(parser, html.replace('\\"', '"'))  # pages stored inside a script string
    if rest:
        parser.feed(rest)
    parser.close()
    parser._flush_text()
    return "\n".join(parser.lines)


_WS = "[ \t\n\r\f]"
#: A tag name as every version of html.parser reads it whole: its end-tag
#: name rule, which is also a prefix of its start-tag name rule; names with
#: a namespace (``o:p``, ``st1:chsdate``, ``v:shape``) are what Word's HTML
#: export writes on every line.
_NAME = "[a-zA-Z][-.a-zA-Z0-9:_]*"
#: A comment as html.parser reads it in every version: without ``--`` inside.
_COMMENT = "<!--(?![->])(?:[^-]|-(?!-))*-->"
#: The markup of nearly every page, in the forms whose reading by
#: :class:`html.parser.HTMLParser` is plain: a start tag with simple attributes,
#: an end tag, a comment, a doctype, a processing instruction
#: (``<?xml:namespace …/>``) and Word's conditional sections
#: (``<![if !supportLists]>``, ``<![endif]>``), which hold no text.
_PLAIN_MARKUP = re.compile(
    rf"""<(?:
    ({_NAME})                                       # 1: start tag
    (?:{_WS}+[a-zA-Z_:][-a-zA-Z0-9_:.]*             # attribute
       (?:{_WS}*={_WS}*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`/]+(?=[ \t\n\r\f>])))?
    )*{_WS}*(/?)>                                   # 2: "/" of <br/>
  | /({_NAME}){_WS}*>                               # 3: end tag
  | ![dD][oO][cC][tT][yY][pP][eE][^<>"']*>          # doctype
  | \?[^<>]*>                                       # processing instruction
  | !\[(?:[iI][fF]|[eE][lL][sS][eE]|[eE][nN][dD][iI][fF])(?=[ \t\n\r\f\]])[^\]<>]*\]>
)|{_COMMENT}""",
    re.VERBOSE,
)
_COMMENT_AT = re.compile(_COMMENT)
_RAW_TEXT_END = {
    tag: re.compile(rf"</(?i:{tag}){_WS}*>") for tag in HTMLParser.CDATA_CONTENT_ELEMENTS
}
_START, _END, _EMPTY, _RAW, _SKIP = range(5)
#: A piece not read yet (compared by value: compiled with mypyc, a tuple is
#: unboxed and has no identity of its own).
_UNREAD = (-1, "")
_BATCH = 1 << 16  # characters of a page cut into pieces at once
#: What a piece of markup is (kind, tag name), or None when it is not plain.
_Markup = tuple[int, str] | None


def _markup(body: str) -> _Markup:
    """What html.parser reads in ``<body>`` when it is plain markup, else None."""
    m = _PLAIN_MARKUP.fullmatch(f"<{body}>")
    if m is None:
        return None
    name, closing, end_name = m.groups()
    if end_name:
        return _END, end_name.lower()
    if not name:
        return _SKIP, ""
    tag = name.lower()
    if closing:
        return _EMPTY, tag
    return (_RAW if tag in _RAW_TEXT_END else _START), tag


def _scan(parser: HTMLParser, html: str) -> str:
    """Give ``parser`` the events of ``html`` that html.parser would, for plain markup.

    html.parser's own scanner costs most of the time of an HTML report, for
    attributes that are not read and positions that are not used. The page
    is cut at each ``<``; the markup up to the first ``>`` after it is read
    by :data:`_PLAIN_MARKUP` once per page for each different piece (pages
    repeat the same few hundred tags thousands of times), and the text after
    it is given with character references converted, as html.parser does.
    Plain markup never holds a ``<`` or ``>`` of its own, except a comment,
    which is read where it stands; script or style content without ``</`` or
    ``<!--`` in it is text up to its end tag. From the first markup that is
    anything else, the rest is returned for the parser itself, which has no
    other state between two pieces of markup. Only the events
    :class:`_HtmlCells` uses are given: start tags (without their
    attributes), end tags and text; comments, declarations and processing
    instructions are skipped. ``tests/test_checker_html.py`` compares these
    events with html.parser's on hostile markup.
    """
    start_tag, end_tag, data = parser.handle_starttag, parser.handle_endtag, parser.handle_data
    known: dict[str, _Markup] = {}
    size = len(html)
    pos = html.find("<")  # where the "<" before each part is
    if pos < 0:
        if html:
            data(unescape(html))
        return ""
    if pos > 0:
        data(unescape(html[:pos]))
    resume = 0  # the end of a comment, script or style read where it stands
    while pos < size:  # in batches: a page of 10 MiB of tags is not held as one list
        cut = html.find("<", pos + _BATCH)
        for part in html[pos + 1 : cut if cut >= 0 else size].split("<"):
            lt, pos = pos, pos + 1 + len(part)
            if resume > lt:  # the part is inside it: only the text after its end is left
                if resume < pos:
                    data(unescape(html[resume:pos]))
                continue
            body, gt, text = part.partition(">")
            markup = known.get(body, _UNREAD)
            if markup == _UNREAD:
                markup = known[body] = _markup(body)
            if markup is None or not gt:
                if not body.startswith("!--"):
                    return html[lt:]
                comment = _COMMENT_AT.match(html, lt)  # with a "<" or ">" inside
                if comment is None:
                    return html[lt:]
                resume = comment.end()
                if resume < pos:
                    data(unescape(html[resume:pos]))
                continue
            kind, tag = markup
            if kind == _START:
                start_tag(tag, [])
            elif kind == _END:
                end_tag(tag)
            elif kind == _EMPTY:
                start_tag(tag, [])
                end_tag(tag)
            elif kind == _RAW:  # script or style: text up to its end tag
                begin = lt + len(body) + 2
                close = html.find("</", begin)
                end = _RAW_TEXT_END[tag].match(html, close) if close >= 0 else None
                if end is None or "<!--" in html[begin:close]:
                    return html[lt:]
                start_tag(tag, [])
                if close > begin:
                    data(html[begin:close])
                end_tag(tag)
                resume = end.end()
                continue
            if text:  # (unescape gives text without "&" back as it is: the call is saved)
                data(unescape(text) if "&" in text else text)
    return ""


#: WordprocessingML's namespace, as ElementTree writes it in tag names.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_to_text(path: Path | BinaryIO) -> str:
    """Paragraphs and table rows of a .docx file, read as a stream.

    Each paragraph and table directly in the body is read when it ends and
    then let go, so memory follows the largest one, not the document; past
    :data:`MAX_LINES` lines or as many characters as a text file may have
    bytes (:data:`~disclosure.documents.source.MAX_BYTES`) the file is refused
    before the rest is parsed (a small archive can hold a huge document), as
    past :data:`MAX_ELEMENTS` elements, even within one paragraph. The
    XML is parsed by the standard library's expat, which refuses entity
    expansion bombs.
    """
    source = str(path) if isinstance(path, Path) else path
    with zipfile.ZipFile(source) as archive, archive.open("word/document.xml") as xml:
        lines: list[str] = []
        size = depth = elements = 0
        for event, element in ElementTree.iterparse(xml, events=("start", "end")):
            if event == "start":
                depth += 1
                elements += 1
                if elements > MAX_ELEMENTS:  # also inside one block: a paragraph of a million runs
                    raise Unreadable(
                        f"the .docx holds more than {MAX_ELEMENTS:,} XML elements, more "
                        "than any annual report has; not checked"
                    )
                continue
            depth -= 1
            if depth != 2:  # not a block of the body (document, body, block: depths 1-3)
                continue
            size += _block_lines(element, lines)
            element.clear()
            if len(lines) > MAX_LINES or size > MAX_BYTES:
                raise Unreadable(
                    f"the .docx holds more than {MAX_LINES:,} lines or {MAX_BYTES:,} "
                    "characters, more than any annual report has; not checked"
                )
    return "\n".join(lines)


def _block_lines(block: ElementTree.Element, lines: list[str]) -> int:
    """Add a body block's lines (a paragraph, or a table's rows); return their length."""
    before = len(lines)
    if block.tag == f"{_W}p":
        text = "".join(t.text or "" for t in block.iter(f"{_W}t"))
        if text.strip():
            lines.append(text)
    elif block.tag == f"{_W}tbl":
        for tr in block.iter(f"{_W}tr"):
            cells = [
                "".join(t.text or "" for t in tc.iter(f"{_W}t")).strip() or BLANK
                for tc in tr.iterfind(f"{_W}tc")
            ]
            if any(c != BLANK for c in cells):
                lines.append("\t".join(cells))
    return sum(len(line) for line in lines[before:])


def _check_archive(raw: bytes) -> None:
    """Refuse what is not a Word archive, or unpacks to more than ``MAX_UNPACKED``.

    The declared sizes are checked before anything is inflated; ``zipfile``
    then stops each member at its declared size, so they cannot lie.
    """
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise Unreadable("not a .docx file (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable(f"not a .docx file ({exc})") from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED:
        raise Unreadable(
            f"the .docx unpacks to {unpacked // (1024 * 1024)} MiB, more than the "
            f"{MAX_UNPACKED // (1024 * 1024)} MiB a report can need (a zip bomb?)"
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise Unreadable("not a .docx file (a zip archive without [Content_Types].xml)")


def pdf_to_text(raw: bytes) -> str:
    """The text layer of a PDF, page by page (needs pypdf and pypdfium2).

    pypdf measures what each page asks to be drawn, before anything is drawn
    (see :func:`_page_content_size`); PDFium, a C library, then extracts the
    text, about ten times faster than pypdf's own extraction.
    """
    try:
        # (ships no type information; imported by name, it is Any to both mypy and mypyc)
        pypdfium2: Any = importlib.import_module("pypdfium2")
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise ImportError(
            "reading PDF needs pypdf and pypdfium2: pip install 'disclosure[pdf]'"
        ) from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise Unreadable(f"the PDF has {len(reader.pages)} pages, more than {MAX_PDF_PAGES}")
        total = 0
        for n, page in enumerate(reader.pages, 1):
            size = _page_content_size(page)
            total += size
            if size > MAX_PDF_PAGE_CONTENT or total > MAX_PDF_CONTENT:
                raise Unreadable(
                    f"page {n} of the PDF holds {size:,} bytes of drawing instructions "
                    f"({total:,} up to it), more than any annual report (at most "
                    f"{MAX_PDF_PAGE_CONTENT:,} a page, {MAX_PDF_CONTENT:,} in all); not checked"
                )
    except (PyPdfError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from None
    try:
        document = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from None
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    except pypdfium2.PdfiumError as exc:
        raise Unreadable(f"not a readable PDF ({exc})") from None
    finally:
        document.close()
    text = "\n".join(pages)
    if len(re.sub(r"\s+", "", text)) < 20:
        raise Unreadable("no text layer; OCR is not supported")
    return text


def _page_content_size(page: Any) -> int:
    """Bytes of a page's content stream and its form XObjects, decompressed.

    What text extraction interprets, measured before it runs: a small PDF can
    hold a stream that inflates to tens of megabytes of drawing instructions.
    """
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    resources = page.get("/Resources")
    objects = resources.get_object().get("/XObject") if resources is not None else None
    if objects is not None:
        for ref in objects.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Form":
                size += len(obj.get_data())
    return size


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("cannot decode the file as UTF-8 or GB18030")  # pragma: no cover


def _data_file(text: str) -> str:
    """What kind of data file ``text`` is (JSON, CSV), or "" for a document."""
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return "a JSON document"
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(lines) >= 3:
        widths = [len(row) for row in csv.reader(lines)]
        if widths[0] >= 3 and sum(w == widths[0] for w in widths) >= 0.9 * len(widths):
            return "a CSV table"
    return ""


def read_source(path: Path) -> str:
    """A report file as text, whatever form it came in.

    Raises :class:`Unreadable` naming ``path`` for a file that is missing,
    cannot be read, or holds no report text.
    """
    try:
        return _read_source(path)
    except ReadError as exc:  # missing, a directory, a device, too large, not permitted
        raise Unreadable(exc.reason, str(path)) from None
    except Unreadable as exc:
        if exc.source:
            raise
        raise Unreadable(exc.reason, str(path)) from None


def _read_source(path: Path) -> str:
    suffix = path.suffix.lower()
    # a regular file of at most 10 MiB (no devices or pipes), read once
    raw = read_limited(path)
    if suffix == ".docx":
        _check_archive(raw)
        try:
            return docx_to_text(io.BytesIO(raw))
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
            raise Unreadable(f"not a readable .docx file ({exc})") from None
    if suffix == ".pdf" or raw.startswith(b"%PDF-"):
        return pdf_to_text(raw)
    text = _decode(raw)
    kind = _data_file(text)
    if kind:
        raise Unreadable(f"not an annual report: {kind} (check the published report itself)")
    if suffix in (".html", ".htm") or re.search(r"<t(?:able|d)[\s>]", text[:200000], re.I):
        return html_to_text(text)
    return text
