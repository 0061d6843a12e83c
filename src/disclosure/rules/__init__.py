"""Rules: a legal regime's lifecycle as data.

Owns the ruleset model (states, events, fields, clocks, outcomes;
:mod:`.model`), reading and linting ruleset files (:mod:`.load`,
:mod:`.lint`), the one definition of an event field's type check and
default (:mod:`.fields`), and drawing the lifecycle (:mod:`.graph`).

May import: :mod:`disclosure.errors`, :mod:`disclosure.documents`.
"""
