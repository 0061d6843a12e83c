"""Calendar files and the registry that builds calendars by id.

A calendar file names an optional national source (any country of the
``holidays`` package, with a subdivision and holiday categories if wanted),
an optional parent calendar (``extends``), whole-year schedules that replace
the parent's days for those years, and local holidays and working days added
on top (e.g. Guangxi's 壮族三月三). Files are validated like rulesets, with
file:line:column in every error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs
import cattrs

from disclosure.calendars.calendar import DayNote, WorkingCalendar
from disclosure.documents.source import Positions
from disclosure.documents.structure import load_checked, make_converter, rename_hook
from disclosure.errors import CalendarError, NotFoundError, Problem, TypeMismatch, did_you_mean

#: The years a calendar may cover: a calendar is for counting days of real cases.
FIRST_YEAR, LAST_YEAR = 1949, 2100
#: The longest range one holiday entry may give, and the most days a file may name.
MAX_RANGE_DAYS, MAX_FILE_DAYS = 366, 20_000
#: A few of the countries a file may name (``national:``), for messages; the
#: full list is the holidays package's own registry (:func:`national_catalogue`),
#: and a name not in it is refused before the package is asked.
NATIONAL_EXAMPLES = ("China (CN)", "Germany (DE)", "United States (US)")
#: What a holiday category looks like (``public``, ``half_day``): it becomes part
#: of a cache file name, so nothing else is let through.
_CATEGORY = re.compile(r"[a-z][a-z_]{0,31}")
#: What the package's country names look like (``US``, ``USA``, ``UnitedStates``):
#: a cache file tampered with cannot smuggle ``__class__`` into ``getattr``.
_COUNTRY = re.compile(r"[A-Z][A-Za-z0-9]{1,63}")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _dated(instance: object, attribute: attrs.Attribute[Any], value: Mapping[Any, Any]) -> None:
    """Keys must be dates: a string key such as "2025-05-07" would otherwise match no day."""
    for day in value:
        if type(day) is not dt.date:
            hint = " (write date(2025, 5, 7), not '2025-05-07')" if isinstance(day, str) else ""
            raise TypeError(
                f"CalendarAdjustment.{attribute.name}: key {day!r} is not a datetime.date{hint}"
            )


@attrs.frozen
class CalendarAdjustment:
    """Days to add to a calendar: days off and extra working days, with names."""

    holidays: Mapping[dt.date, str] = attrs.field(factory=dict, validator=_dated)
    working_days: Mapping[dt.date, str] = attrs.field(factory=dict, validator=_dated)
    source: str = ""


@attrs.frozen
class National:
    """A country of the ``holidays`` package as a calendar's source of holidays.

    ``country`` is an ISO 3166-1 code or the package's class name (``US``,
    ``China``); ``subdiv`` a subdivision it knows (``CA``, ``DC``);
    ``categories`` the holiday categories to take (the package's default,
    ``public``, when empty). A file may write just the country.
    """

    country: str
    subdiv: str | None = None
    categories: tuple[str, ...] = ()


@attrs.frozen
class CalendarMeta:
    id: str
    title: str = ""
    extends: str | None = None
    national: National | None = None
    published_through: int | None = None
    first_year: int | None = None
    last_year: int | None = None
    weekend: tuple[str, ...] = ("saturday", "sunday")


@attrs.frozen
class DayEntry:
    """One day (``date``) or an inclusive range (``from``/``to``) with a name."""

    name: str
    date: dt.date | None = None
    from_: dt.date | None = None
    to: dt.date | None = None

    def days(self) -> list[dt.date]:
        if self.date is not None:
            return [self.date]
        assert self.from_ is not None and self.to is not None
        n = (self.to - self.from_).days
        return [self.from_ + dt.timedelta(days=i) for i in range(n + 1)]


@attrs.frozen
class Schedule:
    holidays: tuple[DayEntry, ...] = ()
    working_days: tuple[DayEntry, ...] = ()


@attrs.frozen
class Display:
    """How a calendar's days are named and marked on screen, in its own language.

    ``language`` is the language the ``holidays`` package names national
    holidays in (a calendar that extends another inherits what it leaves out).
    """

    language: str | None = None
    holiday_mark: str | None = None
    makeup_mark: str | None = None
    holiday_word: str | None = None
    makeup_word: str | None = None


#: What a calendar shows when neither it nor a calendar it extends says.
DEFAULT_DISPLAY = Display("en_US", "*", "+", "day off", "make-up working day")


@attrs.frozen
class CalendarFile:
    calendar: CalendarMeta
    holidays: tuple[DayEntry, ...] = ()
    working_days: tuple[DayEntry, ...] = ()
    schedules: Mapping[str, Schedule] = attrs.field(factory=dict)
    display: Display = attrs.field(factory=Display)
    source: str = attrs.field(default="", eq=False)


@lru_cache(maxsize=1)
def _converter() -> cattrs.Converter:
    conv = make_converter()
    rename_hook(conv, DayEntry, from_="from")
    from cattrs.gen import make_dict_structure_fn, override

    national = make_dict_structure_fn(National, conv)

    def national_hook(value: Any, _: type) -> National:
        # ``national: US`` is short for ``national: {country: US}``
        if isinstance(value, str):
            return National(value)
        if isinstance(value, dict):
            return national(value, National)
        raise TypeMismatch("expected a country name or a mapping with 'country'")

    conv.register_structure_hook(National, national_hook)

    conv.register_structure_hook(
        CalendarFile, make_dict_structure_fn(CalendarFile, conv, source=override(omit=True))
    )
    return conv


def _check(cal: CalendarFile, pos: Positions) -> list[Problem]:
    problems: list[Problem] = []
    meta = cal.calendar
    for i, day in enumerate(meta.weekend):
        if day not in _WEEKDAYS:
            problems.append(
                pos.problem(
                    ("calendar", "weekend", i),
                    f"'{day}' is not a weekday",
                    did_you_mean(day, _WEEKDAYS),
                )
            )
    if (
        meta.extends is None
        and meta.national is None
        and (meta.first_year is None or meta.last_year is None)
    ):
        problems.append(
            pos.problem(
                ("calendar",), "a calendar without 'extends' needs 'first_year' and 'last_year'"
            )
        )
    if meta.national is not None:
        problems.extend(_check_national(meta.national, pos))
    for key in ("first_year", "last_year", "published_through"):
        year = getattr(meta, key)
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            problems.append(
                pos.problem(
                    ("calendar", key),
                    f"'{key}' must be a year from {FIRST_YEAR} to {LAST_YEAR}, got {year}",
                )
            )
    if (
        meta.first_year is not None
        and meta.last_year is not None
        and meta.first_year > meta.last_year
    ):
        problems.append(
            pos.problem(
                ("calendar", "last_year"),
                f"'last_year' ({meta.last_year}) is before 'first_year' ({meta.first_year})",
            )
        )
    total = 0

    def entries(
        path: tuple[str | int, ...], items: tuple[DayEntry, ...], year: int | None = None
    ) -> None:
        nonlocal total
        for i, entry in enumerate(items):
            where = (*path, i)
            single = entry.date is not None
            ranged = entry.from_ is not None or entry.to is not None
            if single == ranged:
                problems.append(pos.problem(where, "give either 'date' or both 'from' and 'to'"))
                continue
            if ranged and (entry.from_ is None or entry.to is None):
                problems.append(pos.problem(where, "a range needs both 'from' and 'to'"))
                continue
            if ranged and entry.to < entry.from_:  # type: ignore[operator]
                problems.append(pos.problem((*where, "to"), "'to' is before 'from'"))
                continue
            ends = [d for d in (entry.date, entry.from_, entry.to) if d is not None]
            if any(not FIRST_YEAR <= d.year <= LAST_YEAR for d in ends):
                problems.append(
                    pos.problem(
                        where, f"a calendar covers only the years {FIRST_YEAR} to {LAST_YEAR}"
                    )
                )
                continue
            length = (ends[-1] - ends[0]).days + 1
            if length > MAX_RANGE_DAYS:
                problems.append(
                    pos.problem(
                        where,
                        f"a range may cover at most {MAX_RANGE_DAYS} days, "
                        f"this one covers {length}",
                    )
                )
                continue
            total += length
            if total > MAX_FILE_DAYS:
                problems.append(
                    pos.problem(where, f"a calendar file may name at most {MAX_FILE_DAYS} days")
                )
                return
            if year is not None and any(d.year != year for d in entry.days()):
                problems.append(pos.problem(where, f"day outside the schedule's year {year}"))

    entries(("holidays",), cal.holidays)
    entries(("working_days",), cal.working_days)
    for key, sched in cal.schedules.items():
        if not key.isdigit() or len(key) != 4:
            problems.append(pos.problem(("schedules", key), f"'{key}' is not a year"))
            continue
        if not FIRST_YEAR <= int(key) <= LAST_YEAR:
            problems.append(
                pos.problem(
                    ("schedules", key),
                    f"a calendar covers only the years {FIRST_YEAR} to {LAST_YEAR}",
                    at="key",
                )
            )
            continue
        entries(("schedules", key, "holidays"), sched.holidays, int(key))
        entries(("schedules", key, "working_days"), sched.working_days, int(key))
    return problems


def _check_national(national: National, pos: Positions) -> list[Problem]:
    """The country and subdivision are ones the holidays package knows; categories are words."""
    problems: list[Problem] = []
    where: tuple[str | int, ...] = ("calendar", "national")
    catalogue = national_catalogue()
    code = catalogue.names.get(national.country)
    if code is None:
        problems.append(
            pos.problem(
                where,
                f"'{national.country}' is not a country name",
                _unknown_country_hint(national.country, catalogue),
            )
        )
    elif national.subdiv is not None:
        known = catalogue.subdivisions.get(code, ())
        if national.subdiv not in known:
            problems.append(
                pos.problem(
                    (*where, "subdiv"),
                    f"'{national.subdiv}' is not a subdivision of {national.country}",
                    did_you_mean(national.subdiv, known) if known else "it has none",
                )
            )
    for i, category in enumerate(national.categories):
        if not _CATEGORY.fullmatch(category):
            problems.append(
                pos.problem(
                    (*where, "categories", i),
                    f"'{category}' is not a holiday category (lower-case words such as public)",
                )
            )
    return problems


def _unknown_country_hint(country: str, catalogue: NationalCatalogue) -> str:
    close = did_you_mean(country, catalogue.names)
    known = (
        "known national calendars: "
        + ", ".join(NATIONAL_EXAMPLES)
        + " and every other country of the holidays package, by ISO 3166-1 code or class name"
    )
    return f"{close}; {known}" if close.startswith("did you mean") else known


@attrs.frozen
class NationalCatalogue:
    """The countries the holidays package knows: every name of each (class name,
    ISO codes, aliases) to its alpha-2 code, and each code's subdivisions."""

    names: Mapping[str, str]
    subdivisions: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def national_catalogue() -> NationalCatalogue:
    """The holidays package's countries, read from its registry (cached on disk).

    Reading the catalogue means importing the package and every country
    module's metadata (about 0.2 s); it depends only on the package version,
    so, like the holiday tables, it is kept in a JSON file under the cache
    directory and a calendar file is checked against it without the import.
    """
    cache = _cache_path("catalogue.json")
    if cache is not None:
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
            return NationalCatalogue(
                {str(k): str(v) for k, v in raw["names"].items() if _COUNTRY.fullmatch(str(k))},
                {str(k): tuple(map(str, v)) for k, v in raw["subdivisions"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    import holidays

    supported = holidays.list_supported_countries(include_aliases=False)
    names: dict[str, str] = {code: code for code in supported}
    registry = getattr(getattr(holidays, "registry", None), "COUNTRIES", {})
    for entry in registry.values():
        # (class name, alpha-2, alpha-3, more aliases...)
        if len(entry) >= 2 and entry[1] in supported:
            for name in entry:
                if _COUNTRY.fullmatch(name) and hasattr(holidays, name):
                    names[name] = entry[1]
    catalogue = NationalCatalogue(
        names, {code: tuple(subdivs) for code, subdivs in supported.items()}
    )
    if cache is not None:
        _write_cache(
            cache,
            {
                "names": dict(sorted(catalogue.names.items())),
                "subdivisions": {k: list(v) for k, v in sorted(catalogue.subdivisions.items())},
            },
        )
    return catalogue


def read_calendar_file(path: str | Path) -> CalendarFile:
    """Read and validate one calendar file."""
    cal, _ = load_checked(path, CalendarFile, _converter(), "calendar", CalendarError, _check)
    return attrs.evolve(cal, source=str(path))


@lru_cache(maxsize=8)
def _national_days(
    country: str,
    first: int,
    last: int,
    language: str = "en_US",
    subdiv: str | None = None,
    categories: tuple[str, ...] = (),
) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    """Holidays and make-up days from the holidays package (pure; cached on disk).

    Computing 41 years takes the package about 0.1 s, which every CLI call
    would pay; the result is a pure function of the package version, so it is
    kept in a small JSON file under the user's cache directory. Every name is
    checked against the package's registry first: the package looks a
    country up with ``getattr``, which must never see an arbitrary string.
    """
    catalogue = national_catalogue()
    code = catalogue.names.get(country)
    if code is None:
        raise NotFoundError(
            f"no national calendar '{country}' ({_unknown_country_hint(country, catalogue)})"
        )
    if not FIRST_YEAR <= first <= last <= LAST_YEAR:
        raise NotFoundError(
            f"national calendar years {first}-{last} are outside {FIRST_YEAR}-{LAST_YEAR}"
        )
    if subdiv is not None and subdiv not in catalogue.subdivisions.get(code, ()):
        raise NotFoundError(f"'{subdiv}' is not a subdivision of {country}")
    bad = [c for c in categories if not _CATEGORY.fullmatch(c)]
    if bad:
        raise NotFoundError(f"'{bad[0]}' is not a holiday category")
    cache = _cache_file(country, first, last, language, subdiv, categories)
    if cache is not None:
        try:
            raw = json.loads(cache.read_text(encoding="utf-8"))
            off = {dt.date.fromisoformat(k): v for k, v in raw["off"].items()}
            return off, frozenset(dt.date.fromisoformat(d) for d in raw["makeup"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    import holidays

    entity = getattr(holidays, country)
    languages = entity.supported_languages
    if language not in languages:
        raise NotFoundError(
            f"the holidays package names {country}'s holidays in {', '.join(languages)}, "
            f"not '{language}' ({did_you_mean(language, languages)})"
        )
    known = entity.supported_categories
    for category in categories:
        if category not in known:
            raise NotFoundError(
                f"the holidays package has no category '{category}' for {country} "
                f"({did_you_mean(category, known)})"
            )
    table = holidays.country_holidays(
        country,
        subdiv=subdiv,
        years=range(first, last + 1),
        language=language,
        categories=categories or None,
    )
    off = {day: str(name) for day, name in table.items() if first <= day.year <= last}
    makeup = frozenset(d for d in getattr(table, "weekend_workdays", ()) if first <= d.year <= last)
    if cache is not None:
        _write_cache(
            cache,
            {
                "off": {d.isoformat(): n for d, n in sorted(off.items())},
                "makeup": sorted(d.isoformat() for d in makeup),
            },
        )
    return off, makeup


def _cache_file(
    country: str,
    first: int,
    last: int,
    language: str,
    subdiv: str | None = None,
    categories: tuple[str, ...] = (),
) -> Path | None:
    # names are checked before they get here: registry names, subdivision codes, [a-z_] words
    where = country + (f".{subdiv}" if subdiv else "") + "".join(f"+{c}" for c in categories)
    return _cache_path(f"{where}-{language}-{first}-{last}.json")


def _cache_path(name: str) -> Path | None:
    """A file in the cache directory, named for the installed holidays version."""
    from importlib import metadata

    base = os.environ.get("DISCLOSURE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "disclosure"
    )
    try:
        version = metadata.version("holidays")
    except metadata.PackageNotFoundError:
        return None
    if not re.fullmatch(r"[\w.+-]+", name):
        return None  # a name that could leave the directory is never a cache file
    return Path(base) / f"holidays-{version}-{name}"


def _write_cache(path: Path, data: Mapping[str, object]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home is fine: the table is just computed again


class CalendarRegistry:
    """Calendars by id, built on first use from calendar files and plugins.

    Each registry is independent (no global state); the expensive national
    table is cached per process because it is a pure function of its inputs.
    """

    def __init__(
        self,
        files: Iterable[CalendarFile] = (),
        adjust: Callable[[str], Sequence[tuple[str, CalendarAdjustment]]] | None = None,
    ) -> None:
        self._files: dict[str, CalendarFile] = {}
        self._built: dict[str, WorkingCalendar] = {}
        self._adjust = adjust
        #: Calendar files a plugin offered that could not be read: file -> why.
        self.unreadable: dict[str, str] = {}
        #: Bumped whenever a calendar is added, so holders of built calendars can refresh.
        self.generation = 0
        for f in files:
            self.add(f)

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | Path],
        adjust: Callable[[str], Sequence[tuple[str, CalendarAdjustment]]] | None = None,
        *,
        offered: Iterable[tuple[str, Path]] = (),
    ) -> CalendarRegistry:
        """Calendars from these files and directories only (plugins give the built-ins).

        ``offered`` are (plugin, file or directory) pairs: a plugin's calendar
        file that cannot be read is left out with a :class:`PluginWarning`
        naming the plugin and the file, so a typo in one plugin's calendar
        stops only the cases that use it (asking for it names the file). A
        file given in ``paths`` (the user named it) must read.
        """
        import warnings

        from disclosure.errors import DisclosureError, PluginWarning

        reg = cls(adjust=adjust)
        seen: set[Path] = set()
        for plugin, given in offered:
            for path in _calendar_paths([Path(given)]):
                if path.resolve() in seen:
                    continue
                seen.add(path.resolve())
                try:
                    cal = read_calendar_file(path)
                except DisclosureError as exc:
                    why = " ".join(str(exc).split())
                    reg.unreadable[str(path)] = f"plugin '{plugin}': {why}"
                    warnings.warn(
                        f"plugin '{plugin}': calendar file {path} cannot be read, so its "
                        f"calendar is left out: {why}",
                        PluginWarning,
                        stacklevel=2,
                    )
                    continue
                reg.add(cal)  # two plugins defining one calendar is a conflict, not a typo
        for path in _calendar_paths([Path(p) for p in paths]):
            if path.resolve() not in seen:
                seen.add(path.resolve())
                reg.add(read_calendar_file(path))
        return reg

    @classmethod
    def default(cls, extra_paths: Iterable[str | Path] = ()) -> CalendarRegistry:
        """The built-in calendars plus any extra calendar files or directories."""
        from disclosure.documents.builtin import builtin_dir

        reg = cls()
        for path in _calendar_paths([builtin_dir() / "calendars", *map(Path, extra_paths)]):
            reg.add(read_calendar_file(path))
        return reg

    def add(self, cal: CalendarFile, replace: bool = False) -> None:
        cid = cal.calendar.id
        if cid in self._files and not replace:
            raise CalendarError(
                [
                    Problem(
                        f"calendar '{cid}' is already defined in {self._files[cid].source}",
                        cal.source,
                    )
                ],
                f"calendar {cal.source}",
            )
        self._files[cid] = cal
        self._built.clear()
        self.generation += 1

    def ids(self) -> list[str]:
        return sorted(self._files)

    def lineage(self, cid: str) -> tuple[str, ...]:
        """The calendar and the calendars it extends, nearest first (``cn-guangxi``, ``cn``)."""
        chain: list[str] = []
        current: str | None = cid
        while current is not None and current not in chain:
            chain.append(current)
            current = self.file(current).calendar.extends
        return tuple(chain)

    def display(self, cid: str) -> Display:
        """The calendar's display settings, each taken from the nearest calendar that gives it."""
        chosen: dict[str, str] = {}
        for name in self.lineage(cid):
            given = self.file(name).display
            for field in attrs.fields(Display):
                value = getattr(given, field.name)
                if value is not None:
                    chosen.setdefault(field.name, value)
        return attrs.evolve(DEFAULT_DISPLAY, **chosen)

    def file(self, cid: str) -> CalendarFile:
        if cid not in self._files:
            broken = "".join(f"; left out, {why}" for why in self.unreadable.values())
            raise NotFoundError(
                f"no calendar '{cid}' ({did_you_mean(cid, self._files)}){broken}; a calendar "
                "kept in a file is found only when that file is given (--calendar-file FILE)"
            )
        return self._files[cid]

    def get(self, cid: str) -> WorkingCalendar:
        if cid not in self._built:
            self._built[cid] = self._build(cid, ())
        return self._built[cid]

    def _build(self, cid: str, chain: tuple[str, ...]) -> WorkingCalendar:
        if cid in chain:
            raise NotFoundError(f"calendar '{cid}' extends itself: {' -> '.join((*chain, cid))}")
        cal = self.file(cid)
        meta = cal.calendar
        holidays: dict[dt.date, DayNote] = {}
        makeup: dict[dt.date, DayNote] = {}
        weekend = frozenset(_WEEKDAYS.index(d) for d in meta.weekend)
        first, last, published = meta.first_year, meta.last_year, meta.published_through
        if meta.extends is not None:
            parent = self._build(meta.extends, (*chain, cid))
            holidays.update(parent._holidays)
            makeup.update(parent._makeup)
            first = first or parent.first_year
            last = last or parent.last_year
            published = published if published is not None else parent.published_through
            if meta.weekend == ("saturday", "sunday"):
                weekend = parent.weekend
        first = first or 2000
        last = last or 2040
        # a day's source names the file, not where it happens to be installed
        file_name = Path(cal.source).name or cal.source
        if meta.national is not None:
            shown = self.display(cid)
            assert shown.language is not None and shown.makeup_word is not None
            nat = meta.national
            off, extra = _national_days(
                nat.country, first, last, shown.language, nat.subdiv, nat.categories
            )
            source = f"holidays.{nat.country}" + (f"-{nat.subdiv}" if nat.subdiv else "")
            holidays.update({d: DayNote(n, source) for d, n in off.items()})
            makeup.update({d: DayNote(shown.makeup_word, source) for d in extra})
        for key, sched in sorted(cal.schedules.items()):
            year = int(key)
            for table in (holidays, makeup):
                for day in [d for d in table if d.year == year]:
                    del table[day]
            for entry in sched.holidays:
                holidays.update({d: DayNote(entry.name, file_name) for d in entry.days()})
            for entry in sched.working_days:
                makeup.update({d: DayNote(entry.name, file_name) for d in entry.days()})
            if published is None or year == published + 1:
                published = year
        for entry in cal.holidays:
            for d in entry.days():
                holidays[d] = DayNote(entry.name, file_name)
                makeup.pop(d, None)
        for entry in cal.working_days:
            for d in entry.days():
                makeup[d] = DayNote(entry.name, file_name)
        for plugin, adj in self._adjust(cid) if self._adjust else ():
            source = adj.source or f"plugin {plugin}"
            for d, name in adj.holidays.items():
                holidays[d] = DayNote(name, source)
                makeup.pop(d, None)
            for d, name in adj.working_days.items():
                makeup[d] = DayNote(name, source)
        return WorkingCalendar(
            cid,
            title=meta.title,
            first_year=first,
            last_year=last,
            published_through=published if published is not None else last,
            holidays=holidays,
            makeup_days=makeup,
            weekend=weekend,
        )


def _calendar_paths(dirs_or_files: Iterable[Path]) -> list[Path]:
    from disclosure.documents.builtin import document_files

    # a named file that is missing or of another kind is still read, so its error is reported
    paths: list[Path] = []
    for p in dirs_or_files:
        paths.extend(document_files([p]) if p.is_dir() else [p])
    return paths
