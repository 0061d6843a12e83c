"""An agency's settings: its name, ruleset, calendar and parameters, in ``disclosure.toml``.

What an agency uses is its own choice, not a side effect of what is
installed: a plugin offers a calendar or a ruleset, and the agency's settings
turn it on. The file is found the way other tools find theirs (the current
directory, then each parent), or named with ``--config`` /
``$DISCLOSURE_CONFIG``::

    [agency]
    name = "某市人民政府办公室"
    ruleset = "cn-ogi-2019"
    calendar = "cn-guangxi"

    [parameters.cn-ogi-2019]
    correction_period = 15
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from disclosure.documents.source import ReadError, read_limited
from disclosure.errors import DisclosureError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found]

FILE_NAME = "disclosure.toml"
#: The keys of ``[agency]`` and what each means (for ``settings show`` and errors).
AGENCY_KEYS = {
    "name": "the agency's name, printed on its reports",
    "ruleset": "the ruleset for cases that name none",
    "calendar": "the calendar for cases that name none (e.g. a regional one a plugin offers)",
}


class SettingsError(DisclosureError):
    """A settings file that cannot be read or says something unknown."""


@attrs.frozen
class Settings:
    """What one agency chose. Empty values mean the built-in defaults."""

    name: str = ""
    ruleset: str = ""
    calendar: str = ""
    #: Ruleset id -> parameter name -> value.
    parameters: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    #: Where the settings came from ("" when none were found).
    source: str = attrs.field(default="", eq=False)

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for :class:`disclosure.Engine` that apply these settings."""
        out: dict[str, Any] = {}
        if self.ruleset:
            out["default_ruleset"] = self.ruleset
        if self.calendar:
            out["default_calendar"] = self.calendar
        if self.parameters:
            out["parameters"] = {k: dict(v) for k, v in self.parameters.items()}
        return out

    def overlaid(self, other: Settings) -> Settings:
        """These settings with ``other``'s on top: each value ``other`` sets wins.

        The settings file is the base and a store's own settings the layer on
        top, so an agency's choices travel with its cases.
        """
        values = {k: getattr(other, k) or getattr(self, k) for k in AGENCY_KEYS}
        merged = merged_parameters(self.parameters, other.parameters)
        sources = " + ".join(s for s in (self.source, other.source) if s)
        return Settings(**values, parameters=merged, source=sources)

    def with_value(self, key: str, value: str) -> Settings:
        """A copy with ``agency.KEY`` or ``parameters.RULESET.NAME`` set (values typed as TOML)."""
        parts = key.split(".")
        if len(parts) == 2 and parts[0] == "agency" and parts[1] in AGENCY_KEYS:
            values = {k: getattr(self, k) for k in AGENCY_KEYS}
            values[parts[1]] = value
            return Settings(**values, parameters=self.parameters, source=self.source)
        if len(parts) == 3 and parts[0] == "parameters":
            rs, name = parts[1], parts[2]
            merged = {k: dict(v) for k, v in self.parameters.items()}
            merged.setdefault(rs, {})[name] = _typed(value)
            return attrs.evolve(self, parameters=merged)
        known = [f"agency.{k}" for k in AGENCY_KEYS] + ["parameters.RULESET.NAME"]
        raise SettingsError(f"unknown setting '{key}' ({did_you_mean(key, known)})")

    def to_toml(self) -> str:
        lines = ["# The agency's settings (disclosure settings show | set KEY VALUE).", "[agency]"]
        for key in AGENCY_KEYS:
            value = getattr(self, key)
            if value:
                lines.append(f"{key} = {_toml_value(value)}")
        for rs, values in self.parameters.items():
            lines += ["", f"[parameters.{_toml_key(rs)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items()]
        return "\n".join(lines) + "\n"


def merged_parameters(
    base: Mapping[str, Mapping[str, Any]], top: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Parameters by ruleset, ``top``'s values winning name by name."""
    merged = {rs: dict(values) for rs, values in base.items()}
    for rs, values in top.items():
        merged.setdefault(rs, {}).update(values)
    return merged


def find_settings(start: Path | None = None) -> Path | None:
    """``disclosure.toml`` in ``start`` (default: the current directory) or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings in ``path``, or in the file :func:`find_settings` finds, or none."""
    found = Path(path) if path is not None else find_settings()
    if found is None:
        return Settings()
    try:
        raw = read_limited(found, cap=1024 * 1024).decode("utf-8")
    except ReadError as exc:
        raise SettingsError(f"{found}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{found}: not UTF-8 text") from None
    return parse_settings(raw, str(found))


def parse_settings(text: str, source: str) -> Settings:
    """Settings from their TOML text (a file's, or the copy a store holds)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{source}: not valid TOML: {exc}") from None
    return _settings(doc, source)


def save_settings(settings: Settings, path: str | Path) -> None:
    try:
        Path(path).write_text(settings.to_toml(), encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot write {path}: {exc.strerror}") from None


def _settings(doc: Mapping[str, Any], source: str) -> Settings:
    unknown = [k for k in doc if k not in ("agency", "parameters")]
    if unknown:
        raise SettingsError(
            f"{source}: unknown section '{unknown[0]}' "
            f"({did_you_mean(unknown[0], ['agency', 'parameters'])})"
        )
    agency = doc.get("agency", {})
    if not isinstance(agency, dict):
        raise SettingsError(f"{source}: [agency] must be a table")
    values: dict[str, str] = {}
    for key, value in agency.items():
        if key not in AGENCY_KEYS:
            raise SettingsError(
                f"{source}: unknown key 'agency.{key}' ({did_you_mean(key, AGENCY_KEYS)})"
            )
        if not isinstance(value, str):
            raise SettingsError(f"{source}: agency.{key} must be text, got {value!r}")
        values[key] = value
    parameters = doc.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        isinstance(v, dict) for v in parameters.values()
    ):
        raise SettingsError(f"{source}: [parameters.RULESET] tables hold the parameters")
    return Settings(**values, parameters=parameters, source=source)


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    """TOML for a scalar: JSON's string escapes are TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def stored_text(key: str, value: str) -> str:
    """How ``with_value(key, value)`` keeps ``value``, written as TOML writes it.

    A parameter is typed as TOML reads it, so ``1_0`` is kept as 10 and
    `` 12`` as 12; what ``settings set`` echoes is what was kept.
    """
    if key.startswith("parameters."):
        return _toml_value(_typed(value))
    return value


def _typed(text: str) -> Any:
    """A value typed on the command line, read as TOML reads it (``15`` is a number)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
