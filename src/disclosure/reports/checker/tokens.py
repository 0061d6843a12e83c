"""Published reports as a stream of tokens: label text and numbers, with lines.

Reports circulate as text extracted from Word or PDF (one cell per line,
labels broken across lines, ``[bookmark: _GoBack]`` artefacts, page numbers
such as ``- 4 -``), as text copied from web pages (a row flattened onto one
line, cells separated by spaces or glued together, a label's numbering glued
to the previous row's digits), as Markdown tables and as HTML or ``.docx``
tables. All of them become the same token stream; the table reader then
walks the template's labels through it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from disclosure.reports.checker.patterns import finditer, leading, search

#: An empty table cell, as :mod:`.sources` writes it for HTML and .docx tables.
BLANK = "\ue000"

_ARTEFACT = re.compile(r"\[(?:bookmark|BOOKMARK)[^\]]*\]")
# A run of digits, with its decimals; what follows it decides whether it is
# a label's numbering ("2.其他…") rather than a cell.
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_NUMBER_LEAD = leading(_NUMBER.pattern, _NUMBER.flags)
_NUMBERING_AFTER = re.compile(r"[.．、](?=\s*[^\d\s.．、%])")
_ZERO_MARKS = {"/", "-", "－", "—", "–", "／"}
_PAGE_NUMBER = re.compile(r"[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?")
_TRADITIONAL = str.maketrans(
    "開請數處總計結轉況與機關權務資報書無應為類複議訴訟維糾審徵費額規範強製廢現發許罰單經過當項門會體國這個對於從來內實際師聯員業構組織產據執檢詢補確認獲繳納續辦條條號級縣區鎮頁紀錄議論點選舉統決歸屬種樣異議懸範圍廣東門戶網絡線態勢營運營業處罰禁止密護益險穩衛標準準則護衛濟醫療學術研究會社團體務負責辦公廳",
    "开请数处总计结转况与机关权务资报书无应为类复议诉讼维纠审征费额规范强制废现发许罚单经过当项门会体国这个对于从来内实际师联员业构组织产据执检询补确认获缴纳续办条条号级县区镇页纪录议论点选举统决归属种样异议悬范围广东门户网络线态势营运营业处罚禁止密护益险稳卫标准准则护卫济医疗学术研究会社团体务负责办公厅",
)


#: Finds a character that :data:`_TRADITIONAL` changes (most texts have none,
#: and ``str.translate`` is slow on CJK text).
_TRADITIONAL_CHAR = re.compile(
    "[" + "".join(chr(k) for k, v in _TRADITIONAL.items() if k != v) + "]"
)


def simplified(text: str) -> str:
    """``text`` with the traditional characters of labels simplified."""
    return text.translate(_TRADITIONAL) if _TRADITIONAL_CHAR.search(text) else text


class Token(NamedTuple):
    """A cell's text or number and the source line it came from.

    A named tuple: reports have hundreds of tokens, and a tuple is made
    several times faster than a frozen class.
    """

    text: str
    line: int
    number: float | None = None
    blank: bool = False  # an empty table cell: zero
    numbered: bool = False  # digits followed by "." or "、": may end in a label's numbering

    @property
    def is_number(self) -> bool:
        return self.number is not None


#: The punctuation of Chinese text (、。“”《》— …) that NFKC leaves as it is:
#: the characters of the General Punctuation and CJK Symbols blocks that NFKC
#: keeps and whose combining class is 0 (no character of these blocks is the
#: second half of a composition, so none combines with the character before it).
_KEPT_PUNCTUATION = "".join(
    c
    for c in map(chr, [*range(0x2000, 0x2070), *range(0x3000, 0x3040)])
    if unicodedata.normalize("NFKC", c) == c and not unicodedata.combining(c)
)
#: Characters that NFKC leaves as they are and that never combine with the
#: character before them (ASCII, CJK unified ideographs, that punctuation): a
#: text can be cut before any of them and its pieces normalized apart.
_OTHER = r"[^\x00-\x7f\u4e00-\u9fff" + re.escape(_KEPT_PUNCTUATION) + "]"
#: A run of other characters: one, then any more (the same runs as ``[…]+``,
#: written so that the expression engine looks for the first one with a fast
#: scan for the class, not by trying a match at every character).
_UNSTABLE = re.compile(_OTHER + _OTHER + "*")


#: The text :func:`nfkc` returned last (NFKC itself): the checker normalizes a
#: report once and hands the result to functions that normalize what they get.
_last_normal = ""


def nfkc(text: str) -> str:
    """``text`` in NFKC (half-width digits and punctuation).

    Only the runs of other characters are normalized (each with the character
    before it, which may combine with them): most of a Chinese report is
    ideographs and ASCII, which NFKC keeps. NFKC never joins or makes line
    breaks, so a whole text normalized at once splits into the same lines as
    its lines normalized one by one.
    """
    global _last_normal
    if text is _last_normal:
        return text
    _last_normal = text = _nfkc(text)
    return text


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    out: list[str] = []
    done: dict[str, str] = {}  # a run (with the character before it) seen before
    pos = 0
    for m in _UNSTABLE.finditer(text):
        at = max(m.start() - 1, 0)
        out.append(text[pos:at])
        run = text[at : m.end()]
        normal = done.get(run)
        if normal is None:
            normal = done[run] = unicodedata.normalize("NFKC", run)
        out.append(normal)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def normalize(text: str) -> str:
    """Half-width punctuation and digits, simplified characters, no spaces."""
    return "".join(simplified(nfkc(text)).split())


def normal_lines(text: str) -> list[str]:
    """:func:`normalize` of each line of ``text`` (the whole text normalized once)."""
    return ["".join(line.split()) for line in simplified(nfkc(text)).splitlines()]


def fold_all(texts: Iterable[str]) -> list[str]:
    """:func:`normalize` of each text, for texts that are NFKC already (every
    token's text is); one search for traditional characters over all of them
    (most reports have none) instead of one per text.

    The spaces are taken out of all the texts at once, joined by NUL (which
    is no space) where none holds one."""
    texts = list(texts)
    joined = "\0".join(texts)
    if joined.count("\0") == len(texts) - 1:
        folded = "".join(joined.split())
        flat = folded.split("\0")
    else:
        flat = ["".join(text.split()) for text in texts]
        folded = "".join(flat)
    if _TRADITIONAL_CHAR.search(folded) is None:
        return flat
    return [simplified(f) for f in flat]


_CELL_BREAK = re.compile(r"\t+|\s{2,}|\u3000+")
_ALIGNMENT = re.compile(r":?-{2,}:?|")
_NOTHING = re.compile(r"[\s:\-\t]*")

#: Makes a :class:`Token` from all five fields without the named tuple's
#: generated ``__new__`` (defaults, keywords): a report has hundreds of tokens.
_new = tuple.__new__


def _cells_of_line(line: str) -> list[str]:
    if "\t" in line and BLANK in line:  # a table row from HTML or .docx: keep empty cells
        out: list[str] = []
        for part in line.split("\t"):
            part = part.strip()
            if part == BLANK:
                out.append(BLANK)
            elif part:
                out.extend(_cells_of_line(part.replace(BLANK, "")))
        return out
    words = line.split()
    if len(words) == 1 and len(words[0]) == len(line):  # no space of any kind: one cell
        return words
    return [p for part in _CELL_BREAK.split(line) for p in part.strip().split(" ") if p]


def _markdown_cells(line: str) -> list[str] | None:
    """The cells of a Markdown table row (empty cells kept as blanks), else None."""
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1):
        return None
    cells = [c.strip() for c in stripped[1:-1].split("|")]
    if all(map(_ALIGNMENT.fullmatch, cells)):
        return []  # the alignment row
    return [c if c else BLANK for c in cells]


def tokenize_text(
    text: str, numbering: re.Pattern[str] | None = None, most: int | None = None
) -> list[Token]:
    """Tokens of plain text (Word or PDF extraction, web copy, Markdown, converted HTML).

    ``numbering`` (the template's label numbering) splits text where a
    numbered label starts in the middle of it, as it does on one-line pages.
    With ``most``, it stops at the first line that takes the tokens past it
    (the caller refuses such a text: no report has that many).
    """
    inner = _inner(numbering.pattern) if numbering is not None else None
    tokens: list[Token] = []
    append = tokens.append
    lines = nfkc(text).splitlines()
    blanks = blank_cells(lines)
    for n, line in enumerate(lines, 1):
        if blanks and n in blanks:  # each on a blank line of its own, as a cell per line
            for at in blanks[n]:
                append(_new(Token, ("", at, 0.0, True, False)))
        if "[" in line:
            line = _ARTEFACT.sub("", line)
        if "**" in line:
            line = line.replace("**", "")
        stripped = line.strip()
        if not stripped or _PAGE_NUMBER.fullmatch(stripped):
            continue
        markdown = _markdown_cells(line) if stripped[0] == "|" else None
        cells: Iterable[str]
        if markdown is not None:
            cells = markdown
        elif _NOTHING.fullmatch(line):
            continue
        else:
            cells = _cells_of_line(line.replace("|", "\t") if "|" in line else line)
        # a line without a digit has no number in any cell (most lines of narrative)
        has_digit = _DIGIT.search(line) is not None
        for cell in cells:
            if cell == BLANK:
                append(_new(Token, ("", n, 0.0, True, False)))
            elif cell.isdecimal():  # the common case: one number (\d is a decimal digit)
                append(_new(Token, (cell, n, float(cell), False, False)))
            elif has_digit or cell in _ZERO_MARKS:
                _split_cell(tokens, cell, n, inner, has_digit)
            elif (piece := cell.strip()) and (inner is None or search(*inner, piece) is None):
                # text and nothing else, and no numbering inside it (what ``_texts`` makes)
                append(_new(Token, (piece, n, None, False, False)))
            else:
                _texts(tokens, piece, n, inner)
        if most is not None and len(tokens) > most:
            break
    return tokens


#: Fewest cell gaps (and row gaps) that make a text's blank lines a layout.
_RHYTHM_MIN = 20
#: Most empty cells one gap is read as (table 四's 15 cells, twice over): a
#: longer run of blank lines is a break in the text, not cells.
_MOST_EMPTY = 30


def blank_cells(lines: list[str]) -> dict[int, range]:
    """Empty table cells that a text shows only as extra blank lines.

    Returns, for a line, the blank lines before it that each stand for an empty cell.

    Some pages put every cell on its own line with a fixed number of line
    breaks between two cells of a row (the cell gap) and another between two
    rows (the row gap); an empty cell is an empty line of its own, so it adds
    one cell gap (``0 ⏎⏎⏎ ⏎⏎⏎⏎⏎ 三、…``: a blank total at the end of the row).
    Dropping blank lines would shift every later cell. Only a text where both
    gaps recur (at least :data:`_RHYTHM_MIN` times each, the cell gap at least
    two line breaks) has this layout; in it, a longer gap is read as a row gap
    plus whole cell gaps, or as whole cell gaps before a number; each empty
    cell is the blank line one cell gap after the cell before it. Line numbers
    are 1-based, as tokens have them.
    """
    content = [n for n, line in enumerate(lines, 1) if line.strip()]
    counts: dict[int, int] = {}
    for a, b in itertools.pairwise(content):
        gap = b - a
        counts[gap] = counts.get(gap, 0) + 1
    cell = max(counts, key=lambda g: (counts[g], -g), default=1)
    if cell < 2 or counts[cell] < _RHYTHM_MIN:
        return {}
    longer = [g for g in counts if g > cell and g % cell and counts[g] >= _RHYTHM_MIN]
    if not longer:
        return {}
    row = max(longer, key=lambda g: (counts[g], -g))
    out: dict[int, range] = {}
    for a, b in itertools.pairwise(content):
        gap = b - a
        if gap > row + cell * _MOST_EMPTY:
            continue
        if gap > row and (gap - row) % cell == 0:
            out[b] = range(a + cell, a + gap - row + 1, cell)
        elif gap > cell and gap % cell == 0 and _IS_NUMBER.fullmatch(lines[b - 1].strip()):
            out[b] = range(a + cell, b, cell)
    return out


_IS_NUMBER = re.compile(r"\d+(?:\.\d+)?")


#: A label numbering that also matches inside a text, and the class that finds
#: where a match of it can start (:func:`.patterns.leading`).
_Numbering = tuple[re.Pattern[str], "re.Pattern[str] | None"]


@lru_cache(maxsize=16)
def _inner(pattern: str) -> _Numbering:
    """A label numbering pattern that also matches inside a text (and its lead)."""
    inner = re.compile(pattern.lstrip("^"))
    return inner, leading(inner.pattern, inner.flags)


_DIGIT = re.compile(r"\d")
_SIGNED = re.compile(r"[-−－+]\d+(?:\.\d+)?")


def _split_cell(
    out: list[Token], cell: str, line: int, inner: _Numbering | None, has_digit: bool = True
) -> None:
    """Add the tokens of one cell to ``out``: its numbers, and the text between them.

    ``has_digit`` False says the cell has no digit (so no number to look for).
    """
    if cell in _ZERO_MARKS:
        out.append(Token(cell, line, 0.0))
        return
    if not has_digit:
        _texts(out, cell, line, inner)
        return
    if cell[0] in "-−－+" and _SIGNED.fullmatch(cell):  # 本年增/减 in the 2019 format: "-8"
        out.append(Token(cell, line, float(cell.replace("−", "-").replace("－", "-"))))
        return
    pos = 0
    for m in finditer(_NUMBER, _NUMBER_LEAD, cell):
        if m.start() > pos:
            _texts(out, cell[pos : m.start()], line, inner)
        digits = m.group()
        numbered = "." not in digits and bool(_NUMBERING_AFTER.match(cell, m.end()))
        out.append(_new(Token, (digits, line, float(digits), False, numbered)))
        pos = m.end()
    if pos < len(cell):
        _texts(out, cell[pos:], line, inner)


def _texts(out: list[Token], text: str, line: int, inner: _Numbering | None) -> None:
    """Text, cut before each label numbering that starts inside it."""
    text = text.strip()
    if not text:
        return
    if inner is None or search(*inner, text) is None:  # most text holds no numbering at all
        out.append(_new(Token, (text, line, None, False, False)))
        return
    cuts = [m.start() for m in finditer(*inner, text) if m.start() > 0]
    if not cuts:
        out.append(_new(Token, (text, line, None, False, False)))
        return
    bounds = [0, *cuts, len(text)]
    out.extend(
        Token(part, line) for a, b in itertools.pairwise(bounds) if (part := text[a:b].strip())
    )
