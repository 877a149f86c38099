"""Age of a stored response (RFC 9111 §4.2.3), every clock reading passed in."""

import pytest
from multidict import CIMultiDict

from edge.http.age import age_value, current_age, initial_age, received_age
from edge.http.dates import format_http_date

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "request_time", "response_time", "expected"),
    [
        pytest.param({}, NOW - 2, NOW, 2.0, id="no-age-no-date-response-delay"),
        pytest.param({"Age": "100"}, NOW - 2, NOW, 102.0, id="age-plus-response-delay"),
        pytest.param({"Date": format_http_date(NOW - 50)}, NOW - 1, NOW, 50.0,
                     id="apparent-age-from-date"),
        pytest.param({"Date": format_http_date(NOW - 50), "Age": "100"}, NOW - 1, NOW, 101.0,
                     id="larger-of-apparent-and-corrected"),
        pytest.param({"Date": format_http_date(NOW + 500)}, NOW, NOW, 0.0,
                     id="date-in-the-future-clamped-at-0"),
        pytest.param({"Age": "soon"}, NOW, NOW, 0.0, id="invalid-age-ignored"),
    ],
)
def test_initial_age(headers, request_time, response_time, expected):
    assert initial_age(CIMultiDict(headers), request_time, response_time) == expected


def test_current_age_adds_resident_time():
    """RFC 9111 §4.2.3: current_age = corrected_initial_age + resident_time."""
    assert current_age(12.0, NOW, NOW + 30) == 42.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"Age": "0"}, 0.0, id="zero-is-a-value"),
        pytest.param({"Age": " 42 "}, 42.0, id="spaces"),
        pytest.param({"Age": "-3"}, None, id="negative-unusable"),
        pytest.param({"Age": "4e2"}, None, id="not-delta-seconds"),
    ],
)
def test_age_value(headers, expected):
    assert age_value(CIMultiDict(headers)) == expected


def test_received_age_is_the_senders_age_alone():
    """No fetch time and no Date: the age counts from when the response was received."""
    sent = CIMultiDict({"Age": "7", "Date": format_http_date(NOW - 3600)})
    assert received_age(sent) == 7.0
    assert received_age(CIMultiDict()) == 0.0
