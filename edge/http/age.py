"""Age of a stored response (RFC 9111 §4.2.3), with every clock reading passed in."""

from __future__ import annotations

from edge.http.cache_control import DELTA_SECONDS_MAX
from edge.http.dates import parse_http_date
from edge.http.message import Headers

__all__ = ["age_value", "corrected_age_value", "current_age", "initial_age", "received_age"]


def age_value(headers: Headers) -> float | None:
    """The `Age` a response was sent with; None when it has none (or none that is usable).

    RFC 9111 §5.1: the first valid delta-seconds; an unusable Age is ignored.
    """
    for value in headers.getall("Age", []):
        value = value.strip()
        if value.isdigit() and value.isascii():
            return float(min(int(value), DELTA_SECONDS_MAX))
    return None


def received_age(headers: Headers) -> float:
    """The age a response arrives with when age counts from its receipt: its sender's `Age`.

    CloudFront's rule (README, "Choices where CloudFront is ambiguous"): `Age` is the time since
    the copy was fetched or revalidated, so the time the fetch took is not added (a Miss would
    arrive aged by how long the origin took to answer, and each tier would add its own fetch
    again), and `Date` is not compared with our clock (an origin whose clock is off would make
    every object arrive old). An `Age` the origin or a tier above sent is still honoured.
    """
    return age_value(headers) or 0.0


def corrected_age_value(headers: Headers, request_time: float, response_time: float) -> float:
    """The `Age` header plus the time the fetch took: the age owed to caches upstream."""
    return (age_value(headers) or 0.0) + (response_time - request_time)


def initial_age(headers: Headers, request_time: float, response_time: float) -> float:
    """corrected_initial_age: the response's age when it arrived, from `Age` and `Date`."""
    date = parse_http_date(headers.get("Date"))
    apparent_age = max(0.0, response_time - date) if date is not None else 0.0
    return max(apparent_age, corrected_age_value(headers, request_time, response_time))


def current_age(initial_age: float, response_time: float, now: float) -> float:
    """Initial age plus the time the response has been resident in this cache."""
    return initial_age + (now - response_time)
