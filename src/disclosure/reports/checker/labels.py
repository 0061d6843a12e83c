"""Find the template's row labels in a token stream.

Labels are compared by their *core*: without numbering (the template's own
pattern), notes in brackets, spaces or punctuation, so that ``1.属于国家秘密``,
``1、属于国家秘密`` and ``（1）属于国家秘密`` are one label. Real reports break
labels across lines and cells, interleave two columns of a PDF, glue a
label's number to the previous row's digits (``00000002.其他…``) and mistype
a character or two; the walker tolerates each of these, and nothing else:
a label of fewer than four characters must carry its template numbering.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence

from disclosure.reports.checker.tokens import Token, fold, normalize

# a note in brackets at the end, or its start when a line break cut it off
_NOTE = re.compile(r"[(（][^()（）]*(?:[)）]|$)$")
_PUNCT = re.compile(r"[\s\"“”'‘’:：,，.。、;；()（）\[\]【】#*>|]")
_LEADING_DIGITS = re.compile(r"^(\d+)[.．、]")
#: How many tokens one label may be broken into.
MAX_PIECES = 4


def core(label: str, numbering: re.Pattern[str] | None = None) -> str:
    """A label without its numbering (the template's pattern), notes, spaces or punctuation."""
    return _core_of_flat(normalize(label), numbering)


def fold_label(label: str) -> str:
    """A whole label, notes included, without spaces or punctuation."""
    return _PUNCT.sub("", normalize(label))


def _core_of_flat(text: str, numbering: re.Pattern[str] | None) -> str:
    text = text.lstrip("#*> ")
    if numbering is not None:
        text = numbering.sub("", text)
    text = _NOTE.sub("", text)
    return _PUNCT.sub("", text)


class Walker:
    """Find labels, and the numbers after them, in a token stream."""

    def __init__(
        self,
        tokens: Sequence[Token],
        numbering: re.Pattern[str] | None = None,
        labels: Sequence[str] = (),
    ) -> None:
        self.numbering = numbering
        self.tokens = _resolve_numbered(list(tokens), labels, numbering)
        self._flat = [fold(t.text) if not t.is_number else "" for t in self.tokens]
        self._cores = [_core_of_flat(f, numbering) if f else "" for f in self._flat]
        self._label_cores = [core(label, numbering) for label in labels]

    def find(
        self,
        label: str,
        start: int = 0,
        stop: int | None = None,
        exact: bool = False,
        avoid: Collection[int] = (),
    ) -> tuple[int, int, int] | None:
        """(first label token, index after the label, its line), searching from ``start``."""
        want = core(label, self.numbering)
        if not want:
            return None
        short = len(want) < 4
        numbered = _numbering_of(label)
        end = len(self.tokens) if stop is None else min(stop, len(self.tokens))
        if not short:  # the common case first: the label whole in one token
            for i in range(start, end):
                c = self._cores[i]
                if c and c.endswith(want) and i not in avoid:
                    return i, i + 1, self.tokens[i].line
        best: tuple[float, int, int, int] | None = None
        for i in range(start, end):
            if self.tokens[i].is_number or not self._cores[i] or i in avoid:
                continue
            if short:
                flat = _PUNCT.sub("", self._flat[i])
                if self._cores[i] == want and (not numbered or flat.startswith(numbered)):
                    return i, i + 1, self.tokens[i].line
                continue
            joined = ""
            for j in range(i, min(i + MAX_PIECES, end)):  # labels broken across cells or lines
                if self.tokens[j].is_number or j in avoid:
                    break
                joined += self._cores[j]
                score = _score(want, joined, exact) or self._prefix(want, joined, exact)
                if score >= 1.0:
                    return i, j + 1, self.tokens[j].line
                if score and (best is None or score > best[0]):
                    best = (score, i, j + 1, self.tokens[j].line)
                if len(joined) > len(want) + 8:
                    break
            if best is not None and best[0] >= 0.9 and i > best[2] + MAX_PIECES:
                break
        if best is not None and best[0] >= 0.82:
            return best[1], best[2], best[3]
        return None

    def _prefix(self, want: str, got: str, exact: bool) -> float:
        """A label cut off by a line break: the start of it that no other label shares."""
        if exact or len(got) < max(8, len(want) // 3) or not want.startswith(got):
            return 0.0
        others = [c for c in self._label_cores if c != want and c.startswith(got)]
        return 0.0 if others else 0.9

    def numbers_at(self, index: int, limit: int | None = None) -> list[Token]:
        """The run of numbers that starts at ``index`` (at most ``limit``)."""
        out: list[Token] = []
        for tok in self.tokens[index:]:
            if not tok.is_number or (limit is not None and len(out) >= limit):
                break
            out.append(tok)
        return out

    def contains(self, index: int, words: Sequence[str]) -> bool:
        """Whether the text token at ``index`` holds every one of ``words``."""
        flat = self._flat[index]
        return bool(flat) and all(w in flat for w in words)


def _score(want: str, got: str, exact: bool) -> float:
    if got == want:
        return 1.0
    if exact:
        return 0.0
    if got.endswith(want):  # a heading or header glued before the label
        return 0.99
    tail = got[-len(want) - 2 :] if len(got) > len(want) + 2 else got
    if abs(len(tail) - len(want)) > max(2, len(want) // 4):
        return 0.0
    shared = len(set(want) & set(tail))
    if shared < 0.75 * len(set(want)):
        return 0.0  # cheap rejection before the exact ratio
    return difflib.SequenceMatcher(None, want, tail).ratio()


def _numbering_of(label: str) -> str:
    """The digits a label is numbered with ("2" for "2.重复申请"), or ""."""
    m = _LEADING_DIGITS.match(normalize(label))
    return m.group(1) if m else ""


def _resolve_numbered(
    tokens: list[Token], labels: Sequence[str], numbering: re.Pattern[str] | None
) -> list[Token]:
    """Give a label back the number glued to the digits before it.

    ``00000002.其他法律…`` was tokenized as the digits ``00000002`` and the text
    ``.其他法律…``; the label the text begins (found among the template's
    labels) says its number is 2, so the cells are ``0000000``. Digits before
    text that begins no label stay text, as they were written.
    """
    numbered = [(core(label, numbering), _numbering_of(label)) for label in labels]
    numbered = [(c, d) for c, d in numbered if c and d]
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if not tok.numbered or nxt is None or nxt.is_number:
            out.append(tok)
            i += 1
            continue
        text = core(nxt.text, numbering)
        digits = _label_number(text, numbered)
        if digits and tok.text.endswith(digits) and len(tok.text) > len(digits):
            cells = tok.text[: -len(digits)]
            out.append(Token(cells, tok.line, float(cells)))
        out.append(
            Token(tok.text[-len(digits) :] + nxt.text if digits else tok.text + nxt.text, nxt.line)
        )
        i += 2
    return out


def _label_number(text: str, numbered: Sequence[tuple[str, str]]) -> str:
    """The number of the template label that ``text`` begins with, or ""."""
    best, best_len = "", 0
    for label, digits in numbered:
        n = len(label)
        if text.startswith(label):
            size = n + 1000  # a whole label beats any prefix
        else:
            size = len(_common_prefix(text, label))
            if size < min(4, n):
                continue
        if size > best_len:
            best, best_len = digits, size
    return best


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]
