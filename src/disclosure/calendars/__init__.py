"""Calendars: which days count, and why.

Owns the working-day calendar with indexed arithmetic (:mod:`.calendar`) and
the registry that builds calendars from the built-in national data, calendar
files and adjustments (:mod:`.registry`).

May import: :mod:`disclosure.errors`, :mod:`disclosure.documents`.
"""
