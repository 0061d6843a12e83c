"""Statistics reports: tables of counts and times per case-field value (the DOJ FOIA report)."""

from disclosure.reports.statistics.build import build_statistics
from disclosure.reports.statistics.model import StatisticsReport
from disclosure.reports.statistics.template import (
    StatisticsTemplate,
    builtin_statistics,
    is_statistics_template,
    load_statistics_template,
    statistics_template_for,
)

__all__ = [
    "StatisticsReport",
    "StatisticsTemplate",
    "build_statistics",
    "builtin_statistics",
    "is_statistics_template",
    "load_statistics_template",
    "statistics_template_for",
]
