"""Loading plugins and calling their hooks, with errors that name the plugin.

The built-in renderers and files register as a plugin like any other. Outside
plugins come from the ``disclosure`` entry-point group; the environment
variable ``DISCLOSURE_LOAD_PLUGINS`` (a comma list; empty means none)
restricts which are loaded, and the CLI's ``--no-plugins`` loads none.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib import metadata
from typing import Any

import attrs
import pluggy

from disclosure.errors import PluginError
from disclosure.plugins import hookspecs
from disclosure.plugins.types import (
    CalendarAdjustment,
    DeadlinePolicy,
    OutcomeCode,
    RendererSpec,
    Resources,
)

hookimpl = pluggy.HookimplMarker("disclosure")

BUILTIN = "disclosure.builtin"
ENTRY_POINT_GROUP = "disclosure"


@attrs.frozen
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    builtin: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "hooks": list(self.hooks),
            "builtin": self.builtin,
        }


def _allowed_from_env() -> set[str] | None:
    value = os.environ.get("DISCLOSURE_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


class Plugins:
    """One plugin manager: the built-in plugin plus the chosen outside ones."""

    def __init__(
        self,
        extra: Iterable[tuple[str, object]] = (),
        *,
        entry_points: bool = False,
        allow: Iterable[str] | None = None,
    ) -> None:
        from disclosure.plugins import builtin as builtin_plugin

        self.pm = pluggy.PluginManager("disclosure")
        self.pm.add_hookspecs(hookspecs)
        self._versions: dict[str, str] = {}
        self._register(builtin_plugin, BUILTIN, _version("disclosure"))
        allowed = set(allow) if allow is not None else None
        if entry_points:
            env = _allowed_from_env()
            if env is not None:
                allowed = env if allowed is None else allowed & env
            for ep in _entry_points():
                if allowed is not None and ep.name not in allowed:
                    continue
                try:
                    module = ep.load()
                except Exception as exc:  # an outside package: anything can happen
                    raise PluginError(
                        f"plugin '{ep.name}' ({ep.value}) failed to load: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                version = ep.dist.version if ep.dist is not None else "?"
                self._register(module, ep.name, version)
        for name, plugin in extra:
            self._register(plugin, name, "local")

    @classmethod
    def load(cls, *, no_plugins: bool = False) -> Plugins:
        """Built-ins plus installed plugins (all, or those DISCLOSURE_LOAD_PLUGINS names)."""
        return cls(entry_points=not no_plugins)

    @classmethod
    def builtin_only(cls) -> Plugins:
        return cls()

    def _register(self, plugin: object, name: str, version: str) -> None:
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(f"plugin '{name}' cannot be registered: {exc}") from None
        self._versions[name] = version

    # -- calling hooks ----------------------------------------------------------
    def _impls(self, hook: str) -> list[Any]:
        # pluggy calls the last registered first (tryfirst/trylast respected)
        return list(reversed(getattr(self.pm.hook, hook).get_hookimpls()))

    def has(self, hook: str) -> bool:
        return any(i.plugin_name != BUILTIN for i in self._impls(hook)) or hook in (
            "disclosure_report_renderers",
            "disclosure_resources",
        )

    def _results(self, hook: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """(plugin, value) for each implementation that returns something, in call order.

        Lazy, so that first-result hooks stop asking once one plugin answers.
        """
        for impl in self._impls(hook):
            args = {k: v for k, v in kwargs.items() if k in impl.argnames}
            try:
                value = impl.function(**args)
            except Exception as exc:
                raise PluginError(
                    f"plugin '{impl.plugin_name}' failed in hook '{hook}': "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            if value is not None:
                yield impl.plugin_name, value

    def _call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        return list(self._results(hook, **kwargs))

    def _expect(self, plugin: str, hook: str, value: Any, kind: type) -> None:
        if not isinstance(value, kind):
            raise PluginError(
                f"plugin '{plugin}' returned {type(value).__name__} from hook "
                f"'{hook}', expected {kind.__name__}"
            )

    def resources(self) -> list[tuple[str, Resources]]:
        found = self._call("disclosure_resources")
        for plugin, value in found:
            self._expect(plugin, "disclosure_resources", value, Resources)
        return found

    def calendar_adjustments(self, calendar_id: str) -> list[tuple[str, CalendarAdjustment]]:
        found = self._call("disclosure_calendar_adjustments", calendar_id=calendar_id)
        for plugin, value in found:
            self._expect(plugin, "disclosure_calendar_adjustments", value, CalendarAdjustment)
        return found

    def deadline_policy(self, **kwargs: Any) -> tuple[str, DeadlinePolicy] | None:
        hook = "disclosure_deadline_policy"
        for plugin, value in self._results(hook, **kwargs):
            self._expect(plugin, hook, value, DeadlinePolicy)
            return plugin, value
        return None

    def _named(
        self, hook: str, kind: type, what: str, key: str, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Records from every plugin; one name given by two plugins is an error naming both."""
        out: list[tuple[str, Any]] = []
        owner: dict[str, str] = {}
        for plugin, values in self._call(hook, **kwargs):
            for value in values:
                self._expect(plugin, hook, value, kind)
                name = getattr(value, key)
                if name in owner:
                    first, second = sorted((owner[name], plugin))
                    raise PluginError(
                        f"{what} '{name}' is given by both plugin '{first}' and plugin '{second}'"
                    )
                owner[name] = plugin
                out.append((plugin, value))
        return out

    def outcome_codes(self, ruleset_id: str) -> list[tuple[str, OutcomeCode]]:
        return self._named(
            "disclosure_outcome_codes", OutcomeCode, "outcome code", "code", ruleset_id=ruleset_id
        )

    def renderers(self) -> dict[str, RendererSpec]:
        found = self._named("disclosure_report_renderers", RendererSpec, "report renderer", "name")
        return {spec.name: spec for _, spec in found}

    def event_applied(self, **kwargs: Any) -> None:
        self._call("disclosure_event_applied", **kwargs)

    def info(self) -> list[PluginInfo]:
        out = []
        for name, plugin in self.pm.list_name_plugin():
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            out.append(
                PluginInfo(name, self._versions.get(name, "?"), tuple(hooks), name == BUILTIN)
            )
        return out


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"
