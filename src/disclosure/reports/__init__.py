"""Reports: the statutory annual report, built from cases and checked when published.

Owns report templates (:mod:`.template`), the records of a built report
(:mod:`.model`), reading agency data and the narrative (:mod:`.inputs`),
filling figures into the narrative (:mod:`.narrative`), counting cases into
the tables (:mod:`.build`), the reconciliation checks shared by the builder
and the checker (:mod:`.checks`), the case ids behind a cell
(:mod:`.drilldown`), the renderers (:mod:`.render`) and the checker for
published reports (:mod:`.checker`). The job that ties an engine, a store, a
year and a template together is :mod:`disclosure.annual`, one layer up.

May import: the core (errors, documents, rules, calendars, lifecycle). Never
the plugin manager, the engine, the store or the CLI.
"""
