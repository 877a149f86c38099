"""HTTP-date parsing and formatting (RFC 9110 §5.6.7)."""

import pytest

from edge.http.dates import format_http_date, parse_http_date

EXAMPLE = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT", id="rfc9110-5.6.7-imf-fixdate"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 GMT", id="rfc9110-5.6.7-rfc850"),
        pytest.param("Sun Nov  6 08:49:37 1994", id="rfc9110-5.6.7-asctime"),
        pytest.param("  Sun, 06 Nov 1994 08:49:37 GMT ", id="surrounding-whitespace"),
        pytest.param("sun, 06 nov 1994 08:49:37 gmt", id="case-insensitive-names"),
    ],
)
def test_parse_http_date_accepts_the_three_formats(value):
    assert parse_http_date(value) == EXAMPLE


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="absent"),
        pytest.param("", id="empty"),
        pytest.param("0", id="rfc9111-5.3-zero-expires"),
        pytest.param("-1", id="negative"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 PST", id="not-gmt"),
        pytest.param("Sun, 31 Feb 1994 08:49:37 GMT", id="no-such-day"),
        pytest.param("Sun, 06 Foo 1994 08:49:37 GMT", id="no-such-month"),
        pytest.param("Sun, 06 Nov 1994 25:49:37 GMT", id="no-such-hour"),
        pytest.param("1994-11-06T08:49:37Z", id="iso8601"),
    ],
)
def test_parse_http_date_rejects_invalid_values(value):
    assert parse_http_date(value) is None


def test_rfc850_two_digit_years_pivot_at_70():
    """RFC 9110 §5.6.7: two-digit years are read in a fixed window (no clock)."""
    assert parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT") == 0.0
    assert parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT") == 946684800.0


def test_format_http_date_writes_imf_fixdate_that_parses_back():
    """RFC 9110 §5.6.7: senders generate IMF-fixdate only."""
    assert format_http_date(EXAMPLE) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert parse_http_date(format_http_date(1_700_000_000)) == 1_700_000_000.0
