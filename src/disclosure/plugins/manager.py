"""Loading plugins and calling their hooks, with errors that name the plugin.

The built-in renderers and files register as a plugin like any other. Outside
plugins come from the ``disclosure`` entry-point group; the environment
variable ``DISCLOSURE_LOAD_PLUGINS`` (a comma list; empty means none)
restricts which are loaded, and the CLI's ``--no-plugins`` loads none.

Hooks run through pluggy's own call loop, so ``firstresult``,
``tryfirst``/``trylast`` and hook wrappers behave as pluggy documents. To
still name the plugin that failed or returned the wrong thing, each
implementation's function is replaced at registration by one that turns an
exception into a :class:`PluginError` naming the plugin and the hook, and
notes which plugin gave each value (pluggy itself returns bare values).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Generator, Iterable, Mapping
from contextvars import ContextVar
from importlib import metadata
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

import disclosure.plugins.hookspecs as hookspecs
from disclosure.errors import PluginError, PluginWarning, did_you_mean
from disclosure.plugins.hookspecs import hookimpl
from disclosure.plugins.types import (
    CalendarAdjustment,
    DeadlinePolicy,
    OutcomeCode,
    RendererSpec,
    Resources,
)

if TYPE_CHECKING:
    import datetime as dt

    from disclosure.lifecycle.case import Case, Event
    from disclosure.lifecycle.state import CaseState
    from disclosure.reports.model import Report
    from disclosure.rules.model import Ruleset

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "PluginInfo", "Plugins", "hookimpl"]

BUILTIN = "disclosure.builtin"
ENTRY_POINT_GROUP = "disclosure"


@attrs.frozen
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    builtin: bool
    #: Why an installed plugin was left out ("" when it is loaded).
    broken: str = ""
    #: What it adds, by kind (rulesets, templates, calendars, renderers, hooks).
    provides: Mapping[str, list[str]] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "hooks": list(self.hooks),
            "builtin": self.builtin,
            "broken": self.broken or None,
            "provides": {k: list(v) for k, v in self.provides.items()},
        }


def _allowed_from_env() -> set[str] | None:
    value = os.environ.get("DISCLOSURE_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _unknown_names(wanted: set[str], installed: set[str]) -> list[str]:
    """One message per wanted name no installed plugin has: a typo would load nothing."""
    have = ", ".join(sorted(installed)) or "none"
    out = []
    for name in sorted(wanted - installed):
        hint = did_you_mean(name, installed) if installed else ""
        out.append(
            f"DISCLOSURE_LOAD_PLUGINS names '{name}', which is not an installed plugin "
            f"(installed: {have})" + (f"; {hint}" if hint.startswith("did you mean") else "")
        )
    return out


class Plugins:
    """One plugin manager: the built-in plugin plus the chosen outside ones."""

    def __init__(
        self,
        extra: Iterable[tuple[str, object]] = (),
        *,
        entry_points: bool = False,
        allow: Iterable[str] | None = None,
        strict: bool = False,
    ) -> None:
        """``strict``: an installed plugin that cannot be loaded is an error; otherwise it
        is left out with a :class:`PluginWarning` and listed in ``broken``, so one bad
        package does not stop an agency's work."""
        import disclosure.plugins.builtin as builtin_plugin

        self.pm = pluggy.PluginManager("disclosure")
        self.pm.add_hookspecs(hookspecs)
        self._hook_names = tuple(
            sorted(name for name, caller in vars(self.pm.hook).items() if caller.has_spec())
        )
        self._versions: dict[str, str] = {}
        #: Installed plugins left out, by name, with the reason.
        self.broken: dict[str, str] = {}
        #: Warnings about names DISCLOSURE_LOAD_PLUGINS gives that no installed plugin has.
        self.unknown: list[str] = []
        self._register(builtin_plugin, BUILTIN, _version("disclosure"))
        allowed = set(allow) if allow is not None else None
        if entry_points:
            env = _allowed_from_env()
            if env is not None:
                allowed = env if allowed is None else allowed & env
            installed = _entry_points()
            self.unknown = _unknown_names(env or set(), {ep.name for ep in installed})
            for message in self.unknown:
                warnings.warn(message, PluginWarning, stacklevel=2)
            for ep in installed:
                if allowed is not None and ep.name not in allowed:
                    continue
                try:
                    self._load_entry_point(ep)
                except PluginError as exc:
                    if strict:
                        raise
                    self.broken[ep.name] = str(exc)
                    warnings.warn(f"{exc}; it is left out", PluginWarning, stacklevel=2)
        extra = tuple(extra)
        for name, plugin in extra:
            self._register(plugin, name, "local")
        #: How to load the same plugins again in another process (see __reduce__).
        self._recipe = (entry_points, allowed, strict, bool(extra))

    def __reduce__(self) -> tuple[Any, ...]:
        """Installed plugins pickle as "load them again" (a worker process imports its own).

        Plugin objects handed to the constructor are code, not data: they do not pickle.
        """
        entry_points, allowed, strict, has_extra = self._recipe
        if has_extra:
            raise TypeError(
                "Plugins built from plugin objects do not pickle; in another process, "
                "build them again (or use installed plugins, which do)"
            )
        return (_load_again, (entry_points, allowed, strict))

    def _load_entry_point(self, ep: metadata.EntryPoint) -> None:
        """Import and register one installed plugin, or leave no trace of it."""
        try:
            module = ep.load()
        except BaseException as exc:  # an outside package: anything can happen, even exit()
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PluginError(
                f"plugin '{ep.name}' ({ep.value}) failed to load: "
                f"{type(exc).__name__}: {_one_line(exc)}"
            ) from None
        version = ep.dist.version if ep.dist is not None else "?"
        try:
            self._register(module, ep.name, version)
        except PluginError:
            if self.pm.has_plugin(ep.name):
                self.pm.unregister(name=ep.name)
            raise

    @classmethod
    def load(cls, *, no_plugins: bool = False) -> Plugins:
        """Built-ins plus installed plugins (all, or those DISCLOSURE_LOAD_PLUGINS names)."""
        return cls(entry_points=not no_plugins)

    @classmethod
    def builtin_only(cls) -> Plugins:
        return cls()

    def _register(self, plugin: object, name: str, version: str) -> None:
        """Register ``plugin``; a misspelled hook is an error, not a silently unused function.

        pluggy only picks up functions marked with ``@hookimpl``, so a plugin's
        undecorated helpers are never taken for hooks.
        """
        try:
            self.pm.register(plugin, name=name)
        except ValueError as exc:  # the name or the object is already registered
            raise PluginError(
                f"plugin '{name}' cannot be registered: {str(exc).splitlines()[0]}"
            ) from None
        except pluggy.PluginValidationError as exc:  # arguments the hook does not have
            raise PluginError(f"plugin '{name}' cannot be registered: {_one_line(exc)}") from None
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise self._unknown_hook(plugin, name, exc) from None
        for caller in self.pm.get_hookcallers(plugin) or []:
            firstresult = caller.spec is not None and caller.spec.opts["firstresult"]
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    _name_failures(impl, caller.name, firstresult=firstresult)
        self._versions[name] = version

    def _unknown_hook(
        self, plugin: object, name: str, exc: pluggy.PluginValidationError
    ) -> PluginError:
        for caller in self.pm.get_hookcallers(plugin) or []:
            impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
            if not caller.has_spec() and not all(i.optionalhook for i in impls):
                return PluginError(
                    f"plugin '{name}' implements unknown hook '{caller.name}' "
                    f"({did_you_mean(caller.name, self._hook_names)})"
                )
        return PluginError(_one_line(exc))  # pragma: no cover - registered behind our back

    # -- calling hooks ----------------------------------------------------------
    def has(self, hook: str) -> bool:
        """Whether any plugin implements ``hook``: lets the engine skip a per-clock call."""
        caller: pluggy.HookCaller = getattr(self.pm.hook, hook)
        return bool(caller.get_hookimpls())

    def _call(self, caller: pluggy.HookCaller, **kwargs: Any) -> list[tuple[str, Any]]:
        """(plugin, value) for each value the hook call gives, in pluggy's order.

        pluggy runs the call; the wrapped implementations note who gave what.
        A ``firstresult`` hook gives at most one value.
        """
        origins = _Origins()
        token = _ORIGINS.set(origins)
        try:
            result = caller(**kwargs)
        finally:
            _ORIGINS.reset(token)
        if caller.spec is not None and caller.spec.opts["firstresult"]:
            values = [result]
        elif isinstance(result, list):
            values = result
        else:  # a hook wrapper replaced the list
            raise PluginError(
                f"plugin '{origins.owner(result)}' returned {type(result).__name__} "
                f"from hook '{caller.name}', expected a list of results"
            )
        return [(origins.owner(value), value) for value in values if value is not None]

    def _expect(self, plugin: str, hook: str, value: Any, kind: type) -> None:
        if not isinstance(value, kind):
            raise PluginError(
                f"plugin '{plugin}' returned {type(value).__name__} from hook "
                f"'{hook}', expected {kind.__name__}"
            )

    def resources(self) -> list[tuple[str, Resources]]:
        found = self._call(self.pm.hook.disclosure_resources)
        for plugin, value in found:
            self._expect(plugin, "disclosure_resources", value, Resources)
        return found

    def calendar_adjustments(self, calendar_id: str) -> list[tuple[str, CalendarAdjustment]]:
        found = self._call(self.pm.hook.disclosure_calendar_adjustments, calendar_id=calendar_id)
        for plugin, value in found:
            self._expect(plugin, "disclosure_calendar_adjustments", value, CalendarAdjustment)
        return found

    def deadline_policy(
        self, *, case: Case, clock: str, ruleset: Ruleset
    ) -> tuple[str, DeadlinePolicy] | None:
        """The first policy a plugin gives (``firstresult``), with that plugin's name."""
        found = self._call(
            self.pm.hook.disclosure_deadline_policy, case=case, clock=clock, ruleset=ruleset
        )
        for plugin, value in found:
            self._expect(plugin, "disclosure_deadline_policy", value, DeadlinePolicy)
            return plugin, value
        return None

    def _named(
        self, caller: pluggy.HookCaller, kind: type, what: str, key: str, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Records from every plugin; one name given by two plugins is an error naming both."""
        out: list[tuple[str, Any]] = []
        owner: dict[str, str] = {}
        for plugin, values in self._call(caller, **kwargs):
            if not isinstance(values, (list, tuple)):
                raise PluginError(
                    f"plugin '{plugin}' returned {type(values).__name__} from hook "
                    f"'{caller.name}', expected a list of {kind.__name__} "
                    f"(wrap a single record in [...])"
                )
            for value in values:
                self._expect(plugin, caller.name, value, kind)
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
            self.pm.hook.disclosure_outcome_codes,
            OutcomeCode,
            "outcome code",
            "code",
            ruleset_id=ruleset_id,
        )

    def renderers(self) -> dict[str, RendererSpec]:
        """Every report format, built-in or added; each renderer's failures name its plugin."""
        found = self._named(
            self.pm.hook.disclosure_report_renderers, RendererSpec, "report renderer", "name"
        )
        return {
            spec.name: attrs.evolve(spec, render=_checked_renderer(plugin, spec))
            for plugin, spec in found
        }

    def event_applied(self, *, case: Case, event: Event, state: CaseState, on: dt.date) -> None:
        self._call(
            self.pm.hook.disclosure_event_applied, case=case, event=event, state=state, on=on
        )

    def info(self) -> list[PluginInfo]:
        provided = self.provides()
        out = []
        for name, plugin in self.pm.list_name_plugin():
            callers = self.pm.get_hookcallers(plugin) or []
            hooks = sorted(h.name for h in callers if h.has_spec())
            out.append(
                PluginInfo(
                    name,
                    self._versions.get(name, "?"),
                    tuple(hooks),
                    name == BUILTIN,
                    provides=provided.get(name, {}),
                )
            )
        out.extend(PluginInfo(name, "?", (), False, why) for name, why in self.broken.items())
        return out

    def provides(self) -> dict[str, dict[str, list[str]]]:
        """What each plugin adds, by kind: the files it ships, its renderers, its hooks.

        Rulesets, templates and calendars are named by file (a directory by
        its files); a hook that answers per case (a deadline policy) or per
        calendar is listed as a hook.
        """
        from disclosure.documents.builtin import document_files

        out: dict[str, dict[str, list[str]]] = {}

        def add(plugin: str, kind: str, names: Iterable[str]) -> None:
            listed = list(names)
            if listed:
                out.setdefault(plugin, {}).setdefault(kind, []).extend(listed)

        for plugin, res in self.resources():
            for kind, places in (
                ("rulesets", res.rulesets),
                ("templates", res.templates),
                ("calendars", res.calendars),
            ):
                add(plugin, kind, (p.stem for p in document_files(places)))
        for plugin, spec in self._named(
            self.pm.hook.disclosure_report_renderers, RendererSpec, "report renderer", "name"
        ):
            add(plugin, "renderers", [spec.name])
        for hook, kind in (
            ("disclosure_deadline_policy", "deadline_policy"),
            ("disclosure_calendar_adjustments", "calendar_adjustments"),
            ("disclosure_outcome_codes", "outcome_codes"),
            ("disclosure_event_applied", "event_applied"),
        ):
            caller: pluggy.HookCaller = getattr(self.pm.hook, hook)
            for impl in caller.get_hookimpls():
                add(impl.plugin_name, "hooks", [kind])
        return out


# -- naming the plugin behind a failure or a value ------------------------------------


class _Origins:
    """Which plugin gave each value during one hook call, by identity.

    pluggy returns bare values, possibly reordered, dropped or added to by
    hook wrappers. The first plugin to hand a value over (the implementation
    that returned it, or the innermost wrapper that added it) owns it. The
    values are kept so that their ids stay unique until the call is over.
    """

    def __init__(self) -> None:
        self._owners: dict[int, tuple[str, object]] = {}

    def note(self, plugin: str, value: object) -> None:
        self._owners.setdefault(id(value), (plugin, value))

    def owner(self, value: object) -> str:
        found = self._owners.get(id(value))
        return found[0] if found is not None else "?"


#: The origins of the hook call running in this thread or task (nested calls stack).
_ORIGINS: ContextVar[_Origins | None] = ContextVar("disclosure_hook_origins", default=None)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _failed(plugin: str, hook: str, exc: BaseException) -> PluginError:
    return PluginError(
        f"plugin '{plugin}' failed in hook '{hook}': {type(exc).__name__}: {_one_line(exc)}"
    )


def _name_failures(impl: pluggy.HookImpl, hook: str, *, firstresult: bool) -> None:
    """Make ``impl`` name its plugin when it raises, and note the values it gives.

    pluggy calls ``impl.function(*args)`` with the arguments it read from the
    original function at registration, so the replacement only forwards them.
    Wrappers stay generator functions, as pluggy requires.
    """
    fn = cast("Callable[..., Any]", impl.function)
    plugin = impl.plugin_name
    replacement: Callable[..., Any]
    if impl.wrapper or impl.hookwrapper:
        replacement = _named_wrapper(fn, plugin, hook, firstresult, old_style=impl.hookwrapper)
    else:

        def replacement(*args: object) -> object:
            try:
                value = fn(*args)
            except (Exception, SystemExit) as exc:  # sys.exit() in a hook is a failure too
                raise _failed(plugin, hook, exc) from None
            origins = _ORIGINS.get()
            if value is not None and origins is not None:
                origins.note(plugin, value)
            return value

    impl.function = replacement  # type: ignore[misc]  # Final in pluggy's types; a plain slot


def _named_wrapper(
    fn: Callable[..., Any], plugin: str, hook: str, firstresult: bool, *, old_style: bool
) -> Callable[..., Generator[None, Any, Any]]:
    """A hook wrapper that steps ``fn``'s generator itself, naming its failures.

    What pluggy sends or throws in is handed on; an exception thrown in (an
    inner implementation's, already named) passes through unchanged unless
    the wrapper replaces it.
    """

    def resume(gen: Generator[None, Any, Any], sent: object, thrown: BaseException | None) -> Any:
        try:
            if thrown is None:
                gen.send(sent)
            else:
                gen.throw(thrown)
        except StopIteration as stop:
            return stop.value
        except Exception as exc:
            if exc is thrown:
                raise
            raise _failed(plugin, hook, exc) from None
        gen.close()
        raise _failed(plugin, hook, RuntimeError("the hook wrapper yielded twice"))

    def run(*args: object) -> Generator[None, Any, Any]:
        gen: Generator[None, Any, Any] = fn(*args)
        try:
            next(gen)
        except StopIteration:
            raise _failed(plugin, hook, RuntimeError("the hook wrapper did not yield")) from None
        except (Exception, SystemExit) as exc:
            raise _failed(plugin, hook, exc) from None
        try:
            sent = yield
        except BaseException as thrown:  # an inner implementation failed
            result = resume(gen, None, thrown)
        else:
            result = resume(gen, sent, None)
            if old_style:  # the result is what it forced on the outcome, not what it returned
                outcome = cast("pluggy.Result[Any]", sent)
                result = outcome.get_result() if outcome.exception is None else None
        _note_result(plugin, result, firstresult)
        return result

    return run


def _note_result(plugin: str, result: object, firstresult: bool) -> None:
    """Claim for a wrapper the values it added to the call's result."""
    origins = _ORIGINS.get()
    if origins is None or result is None:
        return
    if not firstresult and isinstance(result, list):
        for value in result:
            origins.note(plugin, value)
    else:
        origins.note(plugin, result)


def _checked_renderer(plugin: str, spec: RendererSpec) -> Callable[[Report], str | bytes]:
    """``spec.render``, failing with a PluginError that names the plugin and the format."""
    render, kind = spec.render, (bytes if spec.binary else str)
    where = f"report renderer '{spec.name}'"

    def checked(report: Report) -> str | bytes:
        try:
            out = render(report)
        except Exception as exc:
            raise PluginError(
                f"plugin '{plugin}' failed in {where}: {type(exc).__name__}: {_one_line(exc)}"
            ) from None
        if not isinstance(out, kind):
            raise PluginError(
                f"plugin '{plugin}' returned {type(out).__name__} from {where}, "
                f"expected {kind.__name__}"
            )
        return out

    return checked


def _load_again(entry_points: bool, allowed: set[str] | None, strict: bool) -> Plugins:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent process said it once
        return Plugins(entry_points=entry_points, allow=allowed, strict=strict)


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"
