"""Masking personal data (names, ID numbers, contacts, free text) for display.

Clerks look at case lists on shared screens and paste output into tickets;
personal data is masked unless they ask for it (``--show-personal-data``).
What personal data looks like differs by country, so the patterns and which
fields hold them come from the ruleset's ``personal_data`` section; this
module only knows the ways a match is masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from disclosure.rules.model import FIELD_MASKS, PATTERN_MASKS, PersonalData

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")


def keep_first_character(text: str) -> str:
    """Keep the first character (the family name in Chinese)."""
    return text[:1] + "*" * max(1, len(text) - 1) if text else ""


def keep_ends(text: str) -> str:
    """Keep the first three and last two characters."""
    if len(text) <= 5:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]


def keep_last_four_digits(text: str) -> str:
    """Star every digit but the last four; separators stay so the shape is recognisable."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def keep_email_name_start(address: str) -> str:
    """Keep the first two characters of the name and the whole domain."""
    m = _EMAIL.match(address)
    return f"{m.group(1)}***{m.group(2)}" if m else "***"


def _keep_marker(m: re.Match[str]) -> str:
    return f"{m.group('marker')}***"


#: How a match of each ``mask`` kind (rules.model.PATTERN_MASKS) is replaced.
_MATCH_MASKS: dict[str, Callable[[re.Match[str]], str]] = {
    "marker": _keep_marker,
    "last_four": lambda m: keep_last_four_digits(m.group()),
    "ends": lambda m: keep_ends(m.group()),
    "email": lambda m: keep_email_name_start(m.group()),
}
assert set(_MATCH_MASKS) == set(PATTERN_MASKS)


class Masker:
    """Masks a regime's personal data: its fields whole, its patterns anywhere in text.

    Built once per ruleset (patterns compile once); ``Masker(PersonalData())``
    masks only the fields, with no patterns.
    """

    def __init__(self, spec: PersonalData) -> None:
        self.spec = spec
        self._patterns = [(re.compile(p.regex), _MATCH_MASKS[p.mask]) for p in spec.patterns]
        self._field_masks: dict[str, Callable[[str], str]] = {
            "first_character": keep_first_character,
            "ends": keep_ends,
            "patterns": self.mask_text,
            "patterns_or_last_four": self.mask_contact,
        }
        assert set(self._field_masks) == set(FIELD_MASKS)

    def mask_text(self, text: str) -> str:
        """Every pattern's matches masked, in the ruleset's order (addresses first)."""
        for regex, mask in self._patterns:
            text = regex.sub(mask, text)
        return text

    def mask_contact(self, contact: str) -> str:
        """The patterns masked; a contact in which none matches keeps only its last four."""
        if not contact:
            return ""
        masked = self.mask_text(contact)
        if masked != contact:
            return masked
        if len(contact) <= 4:
            return "*" * len(contact)
        return "*" * (len(contact) - 4) + contact[-4:]

    def _fields(self, doc: Mapping[str, Any], masks: Mapping[str, str]) -> dict[str, Any]:
        return {
            k: (self._field_masks[masks[k]](v) if k in masks and isinstance(v, str) else v)
            for k, v in doc.items()
        }

    def mask_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """An event (as ``Event.to_dict`` gives it) with its personal fields masked.

        A field is looked up in the event itself (``note``) and in its ``data``.
        """
        masks = self.spec.event_fields
        out = self._fields(event, masks)
        data = out.get("data")
        if isinstance(data, Mapping):
            out["data"] = self._fields(data, masks)
        return out

    def mask_case(self, case: Mapping[str, Any]) -> dict[str, Any]:
        """A case (as ``Case.to_dict`` gives it) with its personal fields and events masked."""
        out = self._fields(case, self.spec.case_fields)
        events = out.get("events")
        if isinstance(events, list):
            out["events"] = [self.mask_event(e) if isinstance(e, Mapping) else e for e in events]
        return out
