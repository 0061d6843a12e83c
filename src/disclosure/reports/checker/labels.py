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

import bisect
import difflib
import itertools
import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from operator import attrgetter

from disclosure.reports.checker.tokens import Token, fold_all, normalize

# a note in brackets at the end, or its start when a line break cut it off
_NOTE = re.compile(r"[(（][^()（）]*(?:[)）]|$)$")
_PUNCT = re.compile(r"[\s\"“”'‘’:：,，.。、;；()（）\[\]【】#*>|]")
_LEADING_DIGITS = re.compile(r"^(\d+)[.．、]")
#: How many tokens one label may be broken into.
MAX_PIECES = 4
#: The least score at which broken or mistyped text is taken for a label.
ACCEPT = 0.82


def core(label: str, numbering: re.Pattern[str] | None = None) -> str:
    """A label without its numbering (the template's pattern), notes, spaces or punctuation."""
    return core_of_flat(normalize(label), numbering)


def label_core(label: str, numbering: re.Pattern[str] | None = None) -> str:
    """:func:`core` of a template label, computed once per label."""
    if numbering is None:
        return _label_core(label, None, 0)
    return _label_core(label, numbering.pattern, numbering.flags)


@lru_cache(maxsize=1024)
def _label_core(label: str, pattern: str | None, flags: int) -> str:
    # (cached by the numbering's text: a compiled expression hashes its whole program)
    return core(label, None if pattern is None else re.compile(pattern, flags))


def label_cores(labels: tuple[str, ...], numbering: re.Pattern[str] | None) -> tuple[str, ...]:
    """:func:`label_core` of each label (for a tuple of labels, once)."""
    if numbering is None:
        return _label_cores(labels, None, 0)
    return _label_cores(labels, numbering.pattern, numbering.flags)


@lru_cache(maxsize=16)
def _label_cores(labels: tuple[str, ...], pattern: str | None, flags: int) -> tuple[str, ...]:
    return tuple(_label_core(label, pattern, flags) for label in labels)


@lru_cache(maxsize=1024)
def fold_label(label: str) -> str:
    """A whole label, notes included, without spaces or punctuation (once per label)."""
    return _PUNCT.sub("", normalize(label))


def core_of_flat(text: str, numbering: re.Pattern[str] | None) -> str:
    """:func:`core` of text that is normalized already (it only ever deletes characters)."""
    return _PUNCT.sub("", _unmarked(text, numbering))


def cores_of_flat(texts: Sequence[str], numbering: re.Pattern[str] | None) -> list[str]:
    """:func:`core_of_flat` of each text; the punctuation (single characters)
    is taken out of all of them at once, joined by NUL where none holds one."""
    heads = [_unmarked(t, numbering) if t else "" for t in texts]
    joined = "\0".join(heads)
    if joined.count("\0") == len(heads) - 1:
        return _PUNCT.sub("", joined).split("\0")
    return [_PUNCT.sub("", h) for h in heads]


def _unmarked(text: str, numbering: re.Pattern[str] | None) -> str:
    """Text without its leading marks, numbering and trailing note."""
    text = text.lstrip("#*> ")
    if numbering is not None:
        text = numbering.sub("", text)
    if "(" in text or "（" in text:
        text = _NOTE.sub("", text)
    return text


class Walker:
    """Find labels, and the numbers after them, in a token stream."""

    def __init__(
        self,
        tokens: Sequence[Token],
        numbering: re.Pattern[str] | None = None,
        labels: Sequence[str] = (),
    ) -> None:
        self.numbering = numbering
        self.tokens = _resolve_numbered(list(tokens), tuple(labels), numbering)
        self._flat = fold_all(t.text if t.number is None else "" for t in self.tokens)
        self._cores = cores_of_flat(self._flat, numbering)
        self._label_cores = label_cores(tuple(labels), numbering)
        # every core, each followed by a line break (no token holds one): a label
        # that ends a core is found by one search of this text, not token by token
        self._joined = "\n".join(self._cores) + "\n"
        self._starts = list(
            itertools.accumulate(map((1).__add__, map(len, self._cores)), initial=0)
        )
        self._chars: list[frozenset[str] | None] = [None] * len(self._cores)  # when needed
        self._flat_joined = ""  # the texts joined as the cores are, when needed

    def find(
        self,
        label: str,
        start: int = 0,
        stop: int | None = None,
        exact: bool = False,
        avoid: Collection[int] = (),
    ) -> tuple[int, int, int] | None:
        """(first label token, index after the label, its line), searching from ``start``."""
        want = label_core(label, self.numbering)
        if not want:
            return None
        short = len(want) < 4
        numbered = _numbering_of(label)
        end = len(self.tokens) if stop is None else min(stop, len(self.tokens))
        if not short and start < end:  # the common case first: the label whole in one token
            target, at, limit = want + "\n", self._starts[start], self._starts[end]
            while (at := self._joined.find(target, at, limit)) >= 0:
                i = bisect.bisect_right(self._starts, at) - 1
                if i not in avoid:
                    return i, i + 1, self.tokens[i].line
                at = self._starts[i + 1]
        best: tuple[float, int, int, int] | None = None
        tokens, cores, chars = self.tokens, self._cores, self._chars
        want_chars = frozenset(want)
        need = self._need(want, want_chars, exact)
        for i in range(start, end):
            if not cores[i] or i in avoid:  # a number's core is empty
                continue
            if short:
                if cores[i] == want and (
                    not numbered or _PUNCT.sub("", self._flat[i]).startswith(numbered)
                ):
                    return i, i + 1, tokens[i].line
                continue
            last = min(i + MAX_PIECES, end)
            # how many of the label's characters the pieces could hold: fewer than
            # any score needs, and no piece from here can be (the start of) the label
            have = 0
            for j in range(i, last):
                got = chars[j]
                if got is None:
                    got = chars[j] = frozenset(cores[j])
                have += len(want_chars & got)
            if have < need:
                continue
            joined = ""
            for j in range(i, last):  # labels broken across cells or lines
                if tokens[j].number is not None or j in avoid:
                    break
                joined += cores[j]
                score = _score(want, joined, exact, want_chars) or self._prefix(want, joined, exact)
                if score >= 1.0:
                    return i, j + 1, tokens[j].line
                if score and (best is None or score > best[0]):
                    best = (score, i, j + 1, tokens[j].line)
                if len(joined) > len(want) + 8:
                    break
            if best is not None and best[0] >= 0.9 and i > best[2] + MAX_PIECES:
                break
        if best is not None and best[0] >= ACCEPT:
            return best[1], best[2], best[3]
        return None

    @staticmethod
    def _need(want: str, want_chars: frozenset[str], exact: bool) -> float:
        """The fewest of ``want``'s distinct characters that text scoring above 0 holds:
        all of them for the label itself, three quarters for a typo (:func:`_score`),
        those of its first ``max(8, len // 3)`` characters for a cut-off start."""
        if exact:
            return len(want_chars)
        least = 0.75 * len(want_chars)
        cut = max(8, len(want) // 3)
        return min(least, len(set(want[:cut]))) if cut <= len(want) else least

    def _prefix(self, want: str, got: str, exact: bool) -> float:
        """A label cut off by a line break: the start of it that no other label shares."""
        if exact or len(got) < max(8, len(want) // 3) or not want.startswith(got):
            return 0.0
        others = [c for c in self._label_cores if c != want and c.startswith(got)]
        return 0.0 if others else 0.9

    def numbers_at(self, index: int, limit: int | None = None) -> list[Token]:
        """The run of numbers that starts at ``index`` (at most ``limit``)."""
        out: list[Token] = []
        for tok in itertools.islice(self.tokens, index, None):
            if tok.number is None or (limit is not None and len(out) >= limit):
                break
            out.append(tok)
        return out

    def contains(self, index: int, words: Sequence[str]) -> bool:
        """Whether the text token at ``index`` holds every one of ``words``."""
        flat = self._flat[index]
        return bool(flat) and all(w in flat for w in words)

    def first_containing(self, words: Sequence[str], begin: int) -> int | None:
        """The first text token from ``begin`` on that :meth:`contains` ``words``.

        The tokens' texts (which hold no line break) are searched joined by line
        breaks, for the first word: only the tokens that hold it are looked at.
        """
        if not words or not words[0]:
            found = (i for i in range(begin, len(self.tokens)) if self.contains(i, words))
            return next(found, None)
        if not self._flat_joined:
            self._flat_joined = "\n".join(self._flat) + "\n"
        joined = self._flat_joined
        at = sum(map(len, self._flat[:begin])) + min(begin, len(self._flat))  # token ``begin``
        while (at := joined.find(words[0], at)) >= 0:
            i = joined.count("\n", 0, at)
            if self.contains(i, words):
                return i
            at = joined.find("\n", at) + 1  # the next token
        return None


def _score(want: str, got: str, exact: bool, want_chars: frozenset[str]) -> float:
    """How well ``got`` (text ending in the label, perhaps mistyped) matches ``want``."""
    if got == want:
        return 1.0
    if exact:
        return 0.0
    if got.endswith(want):  # a heading or header glued before the label
        return 0.99
    tail = got[-len(want) - 2 :] if len(got) > len(want) + 2 else got
    if abs(len(tail) - len(want)) > max(2, len(want) // 4):
        return 0.0
    common = want_chars.intersection(tail)
    if len(common) < 0.75 * len(want_chars):
        return 0.0  # cheap rejection before the exact ratio
    # the ratio is at most the share of the characters (with repeats) that the two
    # have in common; a bound below ACCEPT stands for it, as :meth:`Walker.find`
    # neither takes nor stops at a score below ACCEPT (and a nonzero score is a
    # score either way), so only a ratio that may reach ACCEPT is worked out
    bound = 2.0 * sum(min(want.count(c), tail.count(c)) for c in common) / (len(want) + len(tail))
    if bound < ACCEPT:
        return bound
    return difflib.SequenceMatcher(None, want, tail).ratio()


@lru_cache(maxsize=1024)
def _numbering_of(label: str) -> str:
    """The digits a label is numbered with ("2" for "2.重复申请"), or "" (once per label)."""
    m = _LEADING_DIGITS.match(normalize(label))
    return m.group(1) if m else ""


def _resolve_numbered(
    tokens: list[Token], labels: tuple[str, ...], numbering: re.Pattern[str] | None
) -> list[Token]:
    """Give a label back the number glued to the digits before it.

    ``00000002.其他法律…`` was tokenized as the digits ``00000002`` and the text
    ``.其他法律…``; the label the text begins (found among the template's
    labels) says its number is 2, so the cells are ``0000000``. Digits before
    text that begins no label stay text, as they were written.
    """
    numbered = (
        _numbered_labels(labels, None, 0)
        if numbering is None
        else _numbered_labels(labels, numbering.pattern, numbering.flags)
    )
    out: list[Token] = []
    done = 0  # tokens before this one are in ``out``
    # only the few numbered tokens are visited (the flags are read in one pass)
    for i in itertools.compress(range(len(tokens)), map(attrgetter("numbered"), tokens)):
        tok = tokens[i]
        if i + 1 >= len(tokens) or tokens[i + 1].number is not None:
            continue  # (the text token after a numbered one is never numbered itself)
        nxt = tokens[i + 1]
        out.extend(tokens[done:i])
        done = i + 2
        text = core(nxt.text, numbering)
        digits = _label_number(text, numbered)
        if digits and tok.text.endswith(digits) and len(tok.text) > len(digits):
            cells = tok.text[: -len(digits)]
            out.append(Token(cells, tok.line, float(cells)))
        out.append(
            Token(tok.text[-len(digits) :] + nxt.text if digits else tok.text + nxt.text, nxt.line)
        )
    out.extend(tokens[done:])
    return out


#: A label's first characters (all of a label shorter than that) that text
#: must begin with for the label to be what the text begins.
_PREFIX = 4


@lru_cache(maxsize=16)
def _numbered_labels(
    labels: tuple[str, ...], pattern: str | None, flags: int
) -> dict[str, tuple[tuple[int, str, str], ...]]:
    """(order, core, number) of each numbered label, by the core's first characters
    (for the numbering ``pattern``)."""
    found = [(_label_core(label, pattern, flags), _numbering_of(label)) for label in labels]
    index: dict[str, list[tuple[int, str, str]]] = {}
    for k, (c, d) in enumerate((c, d) for c, d in found if c and d):
        index.setdefault(c[:_PREFIX], []).append((k, c, d))
    return {key: tuple(v) for key, v in index.items()}


def _label_number(text: str, numbered: dict[str, tuple[tuple[int, str, str], ...]]) -> str:
    """The number of the template label that ``text`` begins with, or ""."""
    candidates = sorted(
        x for n in range(1, _PREFIX + 1) for x in numbered.get(text[:n], ()) if len(x[1]) >= n
    )
    best, best_len = "", 0
    for _, label, digits in candidates:
        n = len(label)
        if text.startswith(label):
            size = n + 1000  # a whole label beats any prefix
        else:
            size = len(_common_prefix(text, label))
            if size < min(_PREFIX, n):
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
