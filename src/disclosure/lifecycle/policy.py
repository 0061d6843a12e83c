"""Deadline policies: a clock's limit for one case, set from outside the ruleset.

Agencies promise shorter answers than the law's (a service promise), or must
warn before a deadline; a plugin says so through this record. It lives in the
lifecycle because the machine reads it; the plugin API re-exports it.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class DeadlinePolicy:
    """A clock's limit for one case, and when to start warning.

    ``limit``: units instead of the ruleset's (None keeps it); ``warn_at``:
    after this many units the deadline is flagged as approaching.
    """

    limit: int | None = None
    warn_at: int | None = None
    name: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("limit", "warn_at"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"a deadline policy's {name} must be a whole number, got {value!r}")
        if self.limit is not None and self.limit < 0:
            raise ValueError("a deadline policy's limit cannot be negative")
        if self.warn_at is not None and self.warn_at < 0:
            raise ValueError("a deadline policy's warn_at cannot be negative")
        if self.limit is not None and self.warn_at is not None and self.warn_at > self.limit:
            raise ValueError(
                f"a deadline policy's warn_at ({self.warn_at}) is after its limit "
                f"({self.limit}): it would never warn before the deadline"
            )
