"""How a report writes a figure: the one rule every renderer and the narrative share.

A statutory report must print the figure the agency gave, so nothing here
rounds or switches to an exponent (``f"{x:g}"`` did both: 12345.67 became
12345.7 and 1234567.5 became 1.23457e+06).
"""

from __future__ import annotations

from decimal import Decimal


def format_figure(value: object) -> str:
    """A figure as written: whole numbers without ".0", decimals with their digits.

    A float prints the shortest digits that read back as it (Python's
    ``repr``, which is also what the JSON report holds), so a figure read
    from YAML as 12345.67 prints 12345.67; trailing zeros and the exponent
    are dropped, never a digit.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if not isinstance(value, Decimal):
        return str(value)
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    text = f"{value:f}"  # no context rounding: all of the digits, no exponent
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def exactly_kept(value: float, written: str) -> bool:
    """Whether ``value`` (a float read from ``written``) keeps every digit written."""
    try:
        return Decimal(written.replace("_", "")) == Decimal(repr(value))
    except ArithmeticError:
        return True
