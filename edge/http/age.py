"""Age of a stored response (RFC 9111 §4.2.3), with every clock reading passed in."""

from __future__ import annotations

from edge.http.cache_control import DELTA_SECONDS_MAX
from edge.http.dates import parse_http_date
from edge.http.message import Headers

__all__ = ["corrected_age_value", "current_age", "initial_age"]


def _age_value(headers: Headers) -> float:
    # RFC 9111 §5.1: the first valid delta-seconds; an unusable Age is ignored.
    for value in headers.getall("Age", []):
        value = value.strip()
        if value.isdigit() and value.isascii():
            return float(min(int(value), DELTA_SECONDS_MAX))
    return 0.0


def corrected_age_value(headers: Headers, request_time: float, response_time: float) -> float:
    """The `Age` header plus the time the fetch took: the age owed to caches upstream."""
    return _age_value(headers) + (response_time - request_time)


def initial_age(headers: Headers, request_time: float, response_time: float) -> float:
    """corrected_initial_age: the response's age when it arrived, from `Age` and `Date`."""
    date = parse_http_date(headers.get("Date"))
    apparent_age = max(0.0, response_time - date) if date is not None else 0.0
    return max(apparent_age, corrected_age_value(headers, request_time, response_time))


def current_age(initial_age: float, response_time: float, now: float) -> float:
    """Initial age plus the time the response has been resident in this cache."""
    return initial_age + (now - response_time)
