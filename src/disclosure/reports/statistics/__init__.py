"""Statistics reports: tables of counts and times per case-field value (the DOJ FOIA report)."""

from disclosure.reports.statistics.build import (
    build_statistics,
    check_documents,
    check_previous_year,
    tables_from_dict,
)
from disclosure.reports.statistics.model import Pending, RankedRows, StatisticsReport
from disclosure.reports.statistics.template import (
    StatisticsTemplate,
    builtin_statistics,
    is_statistics_template,
    load_statistics_template,
    statistics_template_for,
)

__all__ = [
    "Pending",
    "RankedRows",
    "StatisticsReport",
    "StatisticsTemplate",
    "build_statistics",
    "builtin_statistics",
    "check_documents",
    "check_previous_year",
    "is_statistics_template",
    "load_statistics_template",
    "statistics_template_for",
    "tables_from_dict",
]
