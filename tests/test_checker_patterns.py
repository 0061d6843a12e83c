"""What the checker reads from an expression's parse never changes what it matches.

``patterns.required`` (strings every match holds) and ``patterns.leading`` (a
class for a match's first character) only let the checker skip work: the
expression found through them must be the one the expression finds itself.
"""

from __future__ import annotations

import random
import re

import pytest

from disclosure.reports.checker import _templates
from disclosure.reports.checker.patterns import finditer, holds, leading, required, search
from disclosure.reports.checker.tokens import _NUMBER, _inner

PATTERNS = [
    _NUMBER.pattern,
    r"(?:[(（][一二三]+[)）]|[一二三]+[、.．]|\d+[.．、])",
    r"(?:被申请|提起|收到)?行政复议(?:申请)?[^。；;\d]{0,4}?(\d+)\s*(?:件|起)",
    r"(?<!尚)(?:未|没有|无)(?:引起|发生)[^。，,\d]{0,8}?复议",
    r"上年(?:度)?结转[^。；;\d]{0,12}?(\d+)\s*件",
    r"a*b",
    r"ab|c",
    r"\bfoo",
    r"(?=x)y",
    r"x?y+",
    r"\s{2,}x",
    r"[a-c]+d",
    r"(?i)ab",
    r"a(?i:b)c",
    r"(?:x|)y",
    r"[^a]b",
]
ALPHABET = (
    "abcdxyfoAB0123.．、()（）一二三 被申请提起收到行政复议件起尚未没有无引起发生。，；上年度结转"
)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_what_is_read_from_the_parse_changes_no_match(pattern: str) -> None:
    compiled = re.compile(pattern)
    lead = leading(compiled.pattern, compiled.flags)
    strings = required(pattern)
    rng = random.Random(pattern)
    for _ in range(2000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30)))
        expected = compiled.search(text)
        found = search(compiled, lead, text)
        assert (found and (found.span(), found.groups())) == (
            expected and (expected.span(), expected.groups())
        ), text
        assert [(m.span(), m.groups()) for m in finditer(compiled, lead, text)] == [
            (m.span(), m.groups()) for m in compiled.finditer(text)
        ], text
        if expected is not None:
            assert holds(text, strings), (text, strings)


def test_what_is_read_from_the_parse() -> None:
    assert required(r"上年(?:度)?结转[^。；;\d]{0,12}?(\d+)\s*件") == ("上年", "结转", "件")
    assert required(r"(?:被申请|提起)?行政复议") == ("行政复议",)
    assert required(r"(?i)abc") == () and required(r"a(?i:b)c") == ("a", "c")
    assert required("(") == ()  # not an expression: nothing is known
    for nothing in (r"a*", r"(?:x|)y", r"[^a]", r".a", r"(?i)a"):
        assert leading(nothing) is None, nothing
    assert leading(r"(?<![\d.])\d+") is not None
    # the label numbering of every format, and the figures' wording, are read
    for template in _templates():
        _, lead = _inner(template.recognize.numbering)
        assert lead is not None and lead.search("（") and not lead.search("件")
        for check in template.recognize.text_checks:
            assert required(check.pattern or check.breakdown)
