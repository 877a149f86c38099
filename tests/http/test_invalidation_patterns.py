"""Invalidation paths (spec §6.1)."""

import pytest

from edge.http.invalidation import invalidation_matcher, pattern_error


@pytest.mark.parametrize(
    ("path", "uri", "matches"),
    [
        pytest.param("/index.html", "/index.html", True, id="exact"),
        pytest.param("/index.html", "/index.html?v=1", False,
                     id="query-variants-need-the-query"),
        pytest.param("/index.html?v=1", "/index.html?v=1", True, id="exact-with-query"),
        pytest.param("/index.html?v=1", "/index.html?v=2", False, id="other-query"),
        pytest.param("/index.html", "/Index.html", False, id="case-sensitive"),
        pytest.param("/images/*", "/images/a/b.png", True, id="prefix"),
        pytest.param("/images/*", "/images", False, id="prefix-needs-the-slash"),
        pytest.param("/img*", "/imgs/a.png", True, id="prefix-mid-segment"),
        pytest.param("/index.html*", "/index.html?v=1", True, id="prefix-covers-queries"),
        pytest.param("/*", "/anything?at=all", True, id="everything"),
    ],
)
def test_invalidation_matcher(path, uri, matches):
    assert invalidation_matcher(path)(uri) == matches


@pytest.mark.parametrize(
    ("path", "error"),
    [
        pytest.param("/images/*", None, id="ok-wildcard"),
        pytest.param("/a?b=1", None, id="ok-query"),
        pytest.param("images/*", "start with '/'", id="relative"),
        pytest.param("/a*/b", "last character", id="inner-star"),
        pytest.param("/**", "last character", id="double-star"),
        pytest.param("/" + "a" * 4000, "4000", id="too-long"),
    ],
)
def test_pattern_error(path, error):
    result = pattern_error(path)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result
