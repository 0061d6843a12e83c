"""Published reports as a stream of tokens: label text and numbers, with lines.

Reports circulate as text extracted from Word (one cell per line, labels
broken across lines, ``[bookmark: _GoBack]`` artefacts), as text copied from
web pages (a table row flattened onto one line, cells separated by spaces or
glued together), as HTML with ``<table>`` markup, and as ``.docx`` files. All
of them become the same token stream; the table extractor then walks the
template's labels through it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import attrs

from disclosure.documents.source import read_limited

_ARTEFACT = re.compile(r"\[(?:bookmark|BOOKMARK)[^\]]*\]")
# A number cell; a label's own numbering ("1.属于国家秘密") is not one.
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*[.、][^\d\s])")
_ZERO_MARKS = {"/", "-", "－", "—", "–", "／"}
_TRADITIONAL = str.maketrans(
    "開請數處總計結轉況與機關權務資報書無應為類複議訴訟維糾審徵費額規範強製廢現發許罰單經過當項門會體國這個對於從來內實際師聯員業構組織產據執檢詢補確認獲繳納續辦條條號級縣區鎮頁紀錄議論點選舉統決歸屬種樣異議懸範圍廣東門戶網絡線態勢營運營業處罰禁止密護益險穩衛標準準則護衛濟醫療學術研究會社團體務負責辦公廳",
    "开请数处总计结转况与机关权务资报书无应为类复议诉讼维纠审征费额规范强制废现发许罚单经过当项门会体国这个对于从来内实际师联员业构组织产据执检询补确认获缴纳续办条条号级县区镇页纪录议论点选举统决归属种样异议悬范围广东门户网络线态势营运营业处罚禁止密护益险稳卫标准准则护卫济医疗学术研究会社团体务负责办公厅",
)


@attrs.frozen
class Token:
    """A cell's text or number and the source line it came from."""

    text: str
    line: int
    number: float | None = None
    glued: bool = False  # several cells' digits run together

    @property
    def is_number(self) -> bool:
        return self.number is not None


def normalize(text: str) -> str:
    """Half-width punctuation and digits, simplified characters, no spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    return re.sub(r"\s+", "", text)


def _cells_of_line(line: str) -> Iterable[str]:
    for part in re.split(r"\t+|\s{2,}|\u3000+", line):
        part = part.strip()
        if part:
            yield from (p for p in part.split(" ") if p)


def tokenize_text(text: str) -> list[Token]:
    """Tokens of plain text (Word extraction or flattened web copy)."""
    tokens: list[Token] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = _ARTEFACT.sub("", unicodedata.normalize("NFKC", raw))
        # Markdown tables: pipes separate cells; emphasis and alignment rows are noise.
        line = line.replace("|", "\t").replace("**", "")
        if re.fullmatch(r"[\s:\-\t]*", line):
            continue
        for cell in _cells_of_line(line):
            tokens.extend(_split_cell(cell, n))
    return tokens


_SIGNED = re.compile(r"[-−－+]\d+(?:\.\d+)?")


def _split_cell(cell: str, line: int) -> list[Token]:
    if cell in _ZERO_MARKS:
        return [Token(cell, line, 0.0)]
    if _SIGNED.fullmatch(cell):  # 本年增/减 in the 2019 format: "-8"
        return [Token(cell, line, float(cell.replace("−", "-").replace("－", "-")))]
    out: list[Token] = []
    pos = 0
    for m in _NUMBER.finditer(cell):
        if m.start() > pos:
            text = cell[pos : m.start()].strip()
            if text:
                out.append(Token(text, line))
        digits = m.group()
        out.append(Token(digits, line, float(digits)))
        pos = m.end()
    rest = cell[pos:].strip()
    if rest:
        out.append(Token(rest, line))
    return out


class _HtmlCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._flush_text()
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in ("br", "p", "div", "h1", "h2", "h3", "li") and self.cell is None:
            self._flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.lines.append("\t".join(c if c else "" for c in self.row))
            self.row = None
        elif tag in ("p", "div", "h1", "h2", "h3", "li", "table"):
            self._flush_text()

    def handle_data(self, data: str) -> None:
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
    """One line per paragraph and per table row (cells tab-separated)."""
    parser = _HtmlCells()
    parser.feed(html)
    parser.close()
    parser._flush_text()
    return "\n".join(parser.lines)


def docx_to_text(path: Path | BinaryIO) -> str:
    """Paragraphs and table rows of a .docx file (needs python-docx)."""
    try:
        import docx
    except ImportError:
        raise ImportError(
            "reading .docx needs python-docx: pip install 'disclosure[docx]'"
        ) from None
    document = docx.Document(path if not isinstance(path, Path) else str(path))
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if text.strip():
                lines.append(text)
        elif tag == "tbl":
            for tr in child.iter():
                if not tr.tag.endswith("}tr"):
                    continue
                cells = []
                for tc in tr.iterchildren():
                    if not tc.tag.endswith("}tc"):
                        continue
                    cells.append("".join(t.text or "" for t in tc.iter() if t.tag.endswith("}t")))
                lines.append("\t".join(cells))
    return "\n".join(lines)


#: The most a .docx may unpack to. Word files of real reports unpack to a few
#: MiB; a zip bomb of a few KiB can declare gigabytes.
MAX_UNPACKED = 100 * 1024 * 1024


def _check_archive(raw: bytes) -> None:
    """Refuse what is not a zip archive, or unpacks to more than ``MAX_UNPACKED``.

    The declared sizes are checked before anything is inflated; ``zipfile``
    then stops each member at its declared size, so they cannot lie.
    """
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ValueError("not a .docx file (not a zip archive)")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED:
        raise ValueError(
            f"the .docx unpacks to {unpacked // (1024 * 1024)} MiB, more than the "
            f"{MAX_UNPACKED // (1024 * 1024)} MiB a report can need (a zip bomb?)"
        )


def read_source(path: Path) -> str:
    """A report file as text, whatever form it came in."""
    suffix = path.suffix.lower()
    # a regular file of at most 10 MiB (no devices or pipes), read once
    raw = read_limited(path)
    if suffix == ".docx":
        _check_archive(raw)
        return docx_to_text(io.BytesIO(raw))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise ValueError("cannot decode the file as UTF-8 or GB18030")
    if suffix in (".html", ".htm") or re.search(r"<table[\s>]", text[:200000], re.I):
        return html_to_text(text)
    return text
