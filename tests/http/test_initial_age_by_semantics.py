"""The age a response arrives with: CloudFront counts `Age` only; RFC 9111 also `Date`."""

from __future__ import annotations

from multidict import CIMultiDict

from edge.http.dates import format_http_date
from edge.http.semantics import CLOUDFRONT, RFC9111

NOW = 1_700_000_000.0
# An origin whose clock runs an hour behind ours, answering a fetch that took 0.5 s.
SKEWED = CIMultiDict({"Date": format_http_date(NOW - 3600), "Age": "30"})


def test_cloudfront_ignores_a_skewed_origin_date() -> None:
    assert CLOUDFRONT.initial_age(SKEWED, NOW - 0.5, NOW) == 30.5


def test_rfc9111_takes_the_apparent_age_from_date() -> None:
    """RFC 9111 §4.2.3: corrected_initial_age = max(apparent_age, corrected_age_value)."""
    assert RFC9111.initial_age(SKEWED, NOW - 0.5, NOW) == 3600
