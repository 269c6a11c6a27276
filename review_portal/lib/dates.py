"""Dates as precise as their source: a day, a month or a year."""

from django.utils.formats import date_format

FORMATS = {"day": "j F Y", "month": "F Y", "year": "Y"}


def precise_date(value, precision="day"):
    """E.g. "2 February 2023", "February 2023" or "2023"."""
    return date_format(value, FORMATS.get(precision, FORMATS["day"]))
