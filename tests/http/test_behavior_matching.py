"""Choosing the cache behavior for a path (spec §4.1)."""

import pytest

from edge.config import Behavior
from edge.http.behaviors import BehaviorMatcher, pattern_error
from edge.managed_policies import MANAGED_CACHE_POLICIES

POLICY = MANAGED_CACHE_POLICIES["CachingOptimized"]


def behaviors(*patterns):
    return [Behavior(p, "origin", POLICY) for p in (*patterns, "*")]


MATCHER = BehaviorMatcher(behaviors(
    "/images/*.jpg", "api/*", "/img?.png", "/exact.html", "/images/*", "*.css",
))


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        pytest.param("/images/a.jpg", "/images/*.jpg", id="star"),
        pytest.param("/images/deep/er/a.jpg", "/images/*.jpg", id="star-crosses-slash"),
        pytest.param("/images/a.png", "/images/*", id="first-match-wins-in-order"),
        pytest.param("/api/v1/users", "api/*", id="leading-slash-optional"),
        pytest.param("/img1.png", "/img?.png", id="question-one-char"),
        pytest.param("/img12.png", "*", id="question-exactly-one"),
        pytest.param("/img/.png", "/img?.png", id="question-matches-slash"),
        pytest.param("/exact.html", "/exact.html", id="exact"),
        pytest.param("/exact.htm", "*", id="exact-no-prefix"),
        pytest.param("/Images/a.jpg", "*", id="case-sensitive"),
        pytest.param("/a/b/site.css", "*.css", id="leading-star"),
        pytest.param("/", "*", id="default"),
    ],
)
def test_match(path, pattern):
    assert MATCHER.match(path).path_pattern == pattern


def test_dots_and_other_regex_characters_are_literal():
    matcher = BehaviorMatcher(behaviors("/a.b+c$"))
    assert matcher.match("/a.b+c$").path_pattern == "/a.b+c$"
    assert matcher.match("/aXb+c$").path_pattern == "*"


def test_last_behavior_is_the_default_whatever_its_pattern():
    only = BehaviorMatcher([Behavior("/never", "origin", POLICY)])
    assert only.match("/anything").path_pattern == "/never"


def test_matcher_needs_a_default():
    with pytest.raises(ValueError):
        BehaviorMatcher([])


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        pytest.param("/images/*.jpg", None, id="ok"),
        pytest.param("*", None, id="default"),
        pytest.param("/a_b-c.d$e/~\"'@:+&?", None, id="all-allowed-characters"),
        pytest.param("", "empty", id="empty"),
        pytest.param("/" + "a" * 255, "255", id="too-long"),
        pytest.param("/a b", "' '", id="space"),
        pytest.param("/a%20b", "'%'", id="percent"),
        pytest.param("/a#b", "'#'", id="hash"),
    ],
)
def test_pattern_error(pattern, error):
    result = pattern_error(pattern)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result
