"""The age a response arrives with: CloudFront counts the sender's `Age` only; RFC 9111 adds
the fetch time and compares `Date`."""

from __future__ import annotations

from multidict import CIMultiDict

from edge.http.dates import format_http_date
from edge.http.semantics import CLOUDFRONT, RFC9111

NOW = 1_700_000_000.0
# An origin whose clock runs an hour behind ours, answering a fetch that took 0.5 s.
SKEWED = CIMultiDict({"Date": format_http_date(NOW - 3600), "Age": "30"})


def test_cloudfront_ignores_a_skewed_origin_date_and_the_fetch_time() -> None:
    """Age counts from when the response was received (README: Age)."""
    assert CLOUDFRONT.initial_age(SKEWED, NOW - 0.5, NOW) == 30


def test_cloudfront_gives_a_slow_response_without_age_no_age() -> None:
    assert CLOUDFRONT.initial_age(CIMultiDict(), NOW - 30, NOW) == 0


def test_rfc9111_adds_the_fetch_time_to_age() -> None:
    """RFC 9111 §4.2.3: corrected_age_value = age_value + response_delay."""
    assert RFC9111.initial_age(CIMultiDict({"Age": "30"}), NOW - 0.5, NOW) == 30.5


def test_rfc9111_takes_the_apparent_age_from_date() -> None:
    """RFC 9111 §4.2.3: corrected_initial_age = max(apparent_age, corrected_age_value)."""
    assert RFC9111.initial_age(SKEWED, NOW - 0.5, NOW) == 3600
