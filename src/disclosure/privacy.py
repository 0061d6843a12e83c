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


#: An e-mail address anywhere in text.
_EMAIL_ANY = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
#: An address: everything after a 住址 / 地址 / address marker up to the next separator.
_ADDRESS = re.compile(r"(住址|地址|(?i:address))(\s*[:：]?\s*)([^;；\n]+)")
#: Resident ID numbers: 18 digits (last may be X) or the old 15-digit form.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
#: Phone numbers: +86 / 0086 forms, mainland mobiles, landlines with an area code.
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?"
    r"(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
    r"|\(?0\d{2,3}\)?[\s-]?\d{7,8}(?:[\s-]?(?:转|ext\.?|x)\s?\d{1,6})?)"
    r"(?!\d)"
)


def _keep_last_four(text: str) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def mask_text(text: str) -> str:
    """Mask every e-mail, phone number, ID number and address anywhere in ``text``.

    E-mail keeps the first two characters of the name and the domain; a phone
    number keeps its last four digits; an ID number its first three and last
    two characters; an address keeps its marker (``住址``) and nothing else.
    """
    if not text:
        return ""
    out = _ADDRESS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    out = _EMAIL_ANY.sub(lambda m: mask_contact_email(m.group()), out)
    out = _ID.sub(lambda m: mask_id_number(m.group()), out)
    return _PHONE.sub(lambda m: _keep_last_four(m.group()), out)


def mask_contact_email(address: str) -> str:
    m = _EMAIL.match(address)
    return f"{m.group(1)}***{m.group(2)}" if m else "***"


def mask_contact(contact: str) -> str:
    """Every e-mail, phone, ID number and address in the contact is masked (``mask_text``).

    A contact in which none of these is recognised keeps only its last four characters.
    """
    if not contact:
        return ""
    masked = mask_text(contact)
    if masked != contact:
        return masked
    if len(contact) <= 4:
        return "*" * len(contact)
    return "*" * (len(contact) - 4) + contact[-4:]


def mask_event(event: dict[str, object]) -> dict[str, object]:
    """An event (as ``Event.to_dict`` gives it) with its free-text ``note`` masked."""
    note = event.get("note")
    return {**event, "note": mask_text(note)} if isinstance(note, str) else event


#: Fields of a case (``Case.to_dict``) masked for display and in a masked export.
#: ``subject`` is free text an applicant writes and often holds a phone number
#: or address: it is masked with ``mask_text``; event notes by ``mask_event``.
MASKS = {
    "applicant_name": mask_name,
    "id_number": mask_id_number,
    "contact": mask_contact,
    "subject": mask_text,
}
