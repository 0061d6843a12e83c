"""Lifecycle: a case's event log folded into its state, clocks and deadlines.

Owns cases and events (:mod:`.case`), the clocks (:mod:`.clocks`), the
compiled machine and its one fold (:mod:`.machine`), what a fold returns
(:mod:`.state`) and the deadline-policy record the machine accepts
(:mod:`.policy`).

May import: :mod:`disclosure.errors`, :mod:`disclosure.documents`,
:mod:`disclosure.rules`, :mod:`disclosure.calendars`. Never the plugin API,
the store, reports or the CLI.
"""
