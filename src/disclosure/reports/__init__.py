"""Reports: the statutory annual report, built from cases and checked when published.

Owns report templates (:mod:`.template`), building a report from cases and
agency data (:mod:`.build`), the annual-report job that ties a store, a year
and a template together (:mod:`.job`), the renderers (:mod:`.render`) and the
checker for published reports (:mod:`.checker`).

May import: the core (errors, documents, rules, calendars, lifecycle); the job
(:mod:`.job`) alone also uses :mod:`disclosure.engine`. Never the plugin
manager, the store or the CLI.
"""
