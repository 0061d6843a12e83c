"""Masking personal data (names, ID numbers, contacts) for display.

Clerks look at case lists on shared screens and paste output into tickets;
personal data is masked unless they ask for it (``--show-personal-data``).
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")


def mask_name(name: str) -> str:
    """Keep the first character (the family name in Chinese)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_id_number(number: str) -> str:
    """Keep the first three and last two characters."""
    if len(number) <= 5:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def mask_contact(contact: str) -> str:
    """E-mail: first two characters of the name; otherwise keep the last four characters."""
    if not contact:
        return ""
    m = _EMAIL.match(contact)
    if m:
        return f"{m.group(1)}***{m.group(2)}"
    if len(contact) <= 4:
        return "*" * len(contact)
    return "*" * (len(contact) - 4) + contact[-4:]


MASKS = {"applicant_name": mask_name, "id_number": mask_id_number, "contact": mask_contact}
