"""Every kind of config mistake names the file, the key path and what was expected.

Each row changes one thing in the default world and pins the key path the error names and a
fragment of what it says was expected (and, where it matters, of what it found).
"""

import os
import tomllib
from pathlib import Path

import pytest

from edge.config import ConfigError, default_config_path, load_config, parse_config


@pytest.fixture
def world() -> dict:
    with open(default_config_path(), "rb") as f:
        return tomllib.load(f)


def _rename(table: dict, old: str, new: str) -> None:
    table[new] = table.pop(old)


def _add_origin_group(w: dict, **group) -> None:
    w["origins"].append({"id": "backup", "url": "http://127.0.0.1:8001"})
    w["origin_groups"] = [{"id": "ha", "primary": "site", "secondary": "backup", **group}]


def _short_html(w: dict) -> dict:
    return w["cache_policies"]["ShortHTML"]


# (case, change, key path, expected fragment, found fragment)
CASES = [
    # unknown keys, with difflib's closest known key
    ("unknown top-level key", lambda w: _rename(w, "cache_policies", "cache_policys"),
     "cache_policys", "did you mean 'cache_policies'?", "unknown key"),
    ("unknown key in a behavior", lambda w: _rename(w["behaviors"][2], "cache_policy",
                                                    "cache_polcy"),
     "behaviors[2].cache_polcy", "did you mean 'cache_policy'?", "unknown key"),
    ("unknown key deep in a policy", lambda w: _rename(_short_html(w)["headers"], "behavior",
                                                       "behaviour"),
     "cache_policies.ShortHTML.headers.behaviour", "did you mean 'behavior'?", "unknown key"),
    ("unknown key with nothing close lists the known ones",
     lambda w: w["distribution"].update(zzz=1),
     "distribution.zzz", "one of 'cache_semantics', 'domain_name', 'geo_restriction', 'id'",
     "unknown key"),
    ("a key the dataclass lacks", lambda w: w["regional_caches"][0].update(parent="X"),
     "regional_caches[0].parent", "a known key", "unknown key"),
    # missing keys
    ("missing origin url", lambda w: w["origins"][0].pop("url"),
     "origins[0].url", "required", "nothing"),
    ("missing default behavior", lambda w: w.pop("default_behavior"),
     "default_behavior", "required", "nothing"),
    ("missing behavior pattern", lambda w: w["behaviors"][0].pop("path_pattern"),
     "behaviors[0].path_pattern", "required", "nothing"),
    ("no origins at all", lambda w: w.update(origins=[]), "origins", "at least one origin", "none"),
    ("no PoPs at all", lambda w: w.update(pops=[]), "pops", "at least one PoP", "none"),
    # wrong types
    ("string for an integer", lambda w: w["origins"][0].update(connection_attempts="abc"),
     "origins[0].connection_attempts", "integer", "string 'abc'"),
    ("boolean for an integer", lambda w: _short_html(w).update(min_ttl=True),
     "cache_policies.ShortHTML.min_ttl", "integer", "boolean true"),
    ("integer for a boolean", lambda w: w["default_behavior"].update(compress=1),
     "default_behavior.compress", "boolean", "integer 1"),
    ("table for an array of tables", lambda w: w.update(origins=w["origins"][0]),
     "origins", "array of tables ([[origins]])", "table"),
    ("integer for a string", lambda w: w["distribution"].update(id=5),
     "distribution.id", "string", "integer 5"),
    ("empty string", lambda w: w["pops"][0].update(city=""),
     "pops[0].city", "non-empty string", "string ''"),
    # out of range / not one of the allowed values
    ("connection timeout above 10 s", lambda w: w["origins"][0].update(connection_timeout=11),
     "origins[0].connection_timeout", "number from 1 to 10", "integer 11"),
    ("response timeout above 120 s", lambda w: w["origins"][0].update(response_timeout=121.5),
     "origins[0].response_timeout", "number from 1 to 120", "float 121.5"),
    ("connection attempts 0", lambda w: w["origins"][0].update(connection_attempts=0),
     "origins[0].connection_attempts", "integer from 1 to 3", "integer 0"),
    ("negative ttl", lambda w: _short_html(w).update(min_ttl=-1),
     "cache_policies.ShortHTML.min_ttl", "integer >= 0", "integer -1"),
    ("default ttl below min ttl", lambda w: _short_html(w).update(min_ttl=120),
     "cache_policies.ShortHTML.default_ttl", "integer >= min_ttl (120)", "integer 60"),
    ("max ttl below default ttl", lambda w: _short_html(w).update(max_ttl=30),
     "cache_policies.ShortHTML.max_ttl", "integer >= default_ttl (60)", "integer 30"),
    ("latitude off the globe", lambda w: w["pops"][0].update(latitude=91),
     "pops[0].latitude", "number from -90 to 90", "integer 91"),
    ("port above 65535", lambda w: w["pops"][0].update(port=70000),
     "pops[0].port", "integer from 1 to 65535", "integer 70000"),
    ("unknown cache semantics", lambda w: w["distribution"].update(cache_semantics="http"),
     "distribution.cache_semantics", "one of 'cloudfront', 'rfc9111'", "string 'http'"),
    ("size with a decimal unit", lambda w: w["pops"][0].update(cache_size="256MB"),
     "pops[0].cache_size", "a string like '256MiB'", "string '256MB'"),
    ("largest object above the cache size", lambda w: w["pops"][0].update(cache_size="8MiB"),
     "pops[0].max_object_size", "no larger than cache_size (8388608 bytes)", "integer 16777216"),
    ("more than 10 custom headers",
     lambda w: w["origins"][0].update(custom_headers={f"X-{i}": "v" for i in range(11)}),
     "origins[0].custom_headers", "at most 10 headers", "11 headers"),
    ("origin url with another scheme", lambda w: w["origins"][0].update(url="ftp://h/"),
     "origins[0].url", "http:// or https:// URL", "string 'ftp://h/'"),
    ("origin url without a host", lambda w: w["origins"][0].update(url="http:///x"),
     "origins[0].url", "http:// or https:// URL", "string 'http:///x'"),
    ("origin url with a bad port", lambda w: w["origins"][0].update(url="http://h:99999"),
     "origins[0].url", "http:// or https:// URL", "string 'http://h:99999'"),
    ("origin url with a query", lambda w: w["origins"][0].update(url="http://h/?a=1"),
     "origins[0].url", "no query", "string 'http://h/?a=1'"),
    # policies: CloudFront's rules (spec §4.2)
    ("header behavior allExcept in a cache policy",
     lambda w: _short_html(w).update(headers={"behavior": "allExcept", "items": ["a"]}),
     "cache_policies.ShortHTML.headers.behavior", "one of 'none', 'whitelist'",
     "string 'allExcept'"),
    ("whitelist without items",
     lambda w: _short_html(w).update(cookies={"behavior": "whitelist"}),
     "cache_policies.ShortHTML.cookies.items", "at least one name", "none"),
    ("items with behavior all",
     lambda w: _short_html(w).update(query_strings={"behavior": "all", "items": ["a"]}),
     "cache_policies.ShortHTML.query_strings.items", "no names with behavior 'all'",
     "array ['a']"),
    ("eleven query strings in the key",
     lambda w: _short_html(w).update(
         query_strings={"behavior": "whitelist", "items": [f"q{i}" for i in range(11)]}),
     "cache_policies.ShortHTML.query_strings.items", "at most 10 names", "11 names"),
    ("the same cookie twice",
     lambda w: _short_html(w).update(cookies={"behavior": "whitelist", "items": ["a", "a"]}),
     "cache_policies.ShortHTML.cookies.items[1]", "a name not already listed", "string 'a'"),
    ("a custom policy with a managed name",
     lambda w: w["cache_policies"].update(CachingDisabled={}),
     "cache_policies.CachingDisabled", "not used by an AWS managed policy",
     "managed policy name 'CachingDisabled'"),
    ("Authorization whitelisted in an origin request policy",
     lambda w: w.update(origin_request_policies={"Auth": {"headers": {
         "behavior": "whitelist", "items": ["X-Id", "Authorization"]}}}),
     "origin_request_policies.Auth.headers.items[1]", "other than Authorization",
     "'Authorization'"),
    ("allViewerAndWhitelistCloudFront with a viewer header",
     lambda w: w.update(origin_request_policies={"Cf": {"headers": {
         "behavior": "allViewerAndWhitelistCloudFront", "items": ["X-Id"]}}}),
     "origin_request_policies.Cf.headers.items[0]", "a CloudFront-* header name",
     "string 'x-id'"),
    # behaviors (spec §4.1)
    ("methods that are not one of CloudFront's sets",
     lambda w: w["behaviors"][2].update(allowed_methods=["GET", "POST"]),
     "behaviors[2].allowed_methods", "['GET', 'HEAD', 'OPTIONS']", "array ['GET', 'POST']"),
    ("cached methods outside the allowed ones",
     lambda w: w["behaviors"][0].update(cached_methods=["GET", "HEAD", "OPTIONS"]),
     "behaviors[0].cached_methods", "methods among allowed_methods", "'OPTIONS'"),
    ("the same path pattern twice", lambda w: w["behaviors"][1].update(path_pattern="/static/*"),
     "behaviors[1].path_pattern", "a pattern not already used by behaviors[0].path_pattern",
     "string '/static/*'"),
    ("the default pattern on an ordered behavior",
     lambda w: w["behaviors"][1].update(path_pattern="*"),
     "behaviors[1].path_pattern", "not already used by default_behavior", "string '*'"),
    # references
    ("behavior naming an unknown origin", lambda w: w["behaviors"][0].update(origin="sitee"),
     "behaviors[0].origin", "an origin or origin group id (did you mean 'site'?)",
     "string 'sitee'"),
    ("behavior naming an unknown cache policy",
     lambda w: w["behaviors"][0].update(cache_policy="CachingOptimised"),
     "behaviors[0].cache_policy", "did you mean 'CachingOptimized'?",
     "string 'CachingOptimised'"),
    ("behavior naming an unknown origin request policy",
     lambda w: w["behaviors"][2].update(origin_request_policy="Everything"),
     "behaviors[2].origin_request_policy", "a managed or defined origin request policy",
     "string 'Everything'"),
    ("PoP parent that is not a regional cache", lambda w: w["pops"][0].update(parent="FRA56-C1"),
     "pops[0].parent", "a regional cache id", "string 'FRA56-C1'"),
    ("origin group member that is not an origin",
     lambda w: _add_origin_group(w, secondary="backpu"),
     "origin_groups[0].secondary", "an origin id (did you mean 'backup'?)", "string 'backpu'"),
    ("origin group failing over to itself", lambda w: _add_origin_group(w, secondary="site"),
     "origin_groups[0].secondary", "an origin other than primary", "string 'site'"),
    ("failover on a status CloudFront does not fail over on",
     lambda w: _add_origin_group(w, failover_status_codes=[500, 501]),
     "origin_groups[0].failover_status_codes[1]", "one of 400, 403, 404, 416, 500",
     "integer 501"),
    # uniqueness
    ("two PoPs on one port", lambda w: w["pops"][1].update(port=8101),
     "pops[1].port", "a port not already used by pops[0].port", "integer 8101"),
    ("a PoP on a regional cache's port", lambda w: w["pops"][0].update(port=8202),
     "pops[0].port", "not already used by regional_caches[1].port", "integer 8202"),
    ("the sample origin on a PoP's port", lambda w: w["origin_server"].update(port=8102),
     "origin_server.port", "not already used by pops[1].port", "integer 8102"),
    ("the front door on a PoP's port", lambda w: w["front_door"].update(port=8101),
     "front_door.port", "not already used by pops[0].port", "integer 8101"),
    ("an origin shield that is not a regional cache",
     lambda w: w["origins"][0].update(origin_shield="IAD89-C1"),
     "origins[0].origin_shield", "the id of a regional cache", "string 'IAD89-C1'"),
    ("a latency setting out of range", lambda w: w["latency"].update(inflation=0.5),
     "latency.inflation", "number from 1 to 10", "0.5"),
    ("an unknown latency setting", lambda w: w["latency"].update(scale=0),
     "latency.scale", "did you mean 'time_scale'?", "unknown key"),
    ("a node with an origin's id", lambda w: w["regional_caches"][0].update(id="site"),
     "regional_caches[0].id", "an id not already used by origins[0].id", "string 'site'"),
    ("two PoPs with one id", lambda w: w["pops"][1].update(id="IAD89-C1"),
     "pops[1].id", "not already used by pops[0].id", "string 'IAD89-C1'"),
    # PoP ids in CloudFront's form
    ("PoP id in lower case", lambda w: w["pops"][0].update(id="iad89-c1"),
     "pops[0].id", "a PoP id like 'IAD89-C1'", "string 'iad89-c1'"),
    ("PoP id without digits", lambda w: w["pops"][0].update(id="IAD-C1"),
     "pops[0].id", "a PoP id like 'IAD89-C1'", "string 'IAD-C1'"),
    ("PoP id with an unknown suffix", lambda w: w["pops"][0].update(id="IAD89-X1"),
     "pops[0].id", "a PoP id like 'IAD89-C1'", "string 'IAD89-X1'"),
    # custom error responses (spec §6.3)
    ("custom error for a status CloudFront does not customise",
     lambda w: w.update(custom_error_responses=[{"error_code": 418}]),
     "custom_error_responses[0].error_code", "one of 400, 403, 404", "integer 418"),
    ("error page without a response code",
     lambda w: w.update(custom_error_responses=[{"error_code": 404,
                                                 "response_page_path": "/404.html"}]),
     "custom_error_responses[0].response_code", "since response_page_path is set", "nothing"),
    ("error page path without a leading slash",
     lambda w: w.update(custom_error_responses=[{"error_code": 404, "response_code": 404,
                                                 "response_page_path": "404.html"}]),
     "custom_error_responses[0].response_page_path", "a path starting with '/'",
     "string '404.html'"),
    ("two custom responses for one code",
     lambda w: w.update(custom_error_responses=[{"error_code": 503}, {"error_code": 503}]),
     "custom_error_responses[1].error_code", "not already used by custom_error_responses[0]",
     "integer 503"),
]


@pytest.mark.parametrize(
    ("change", "key", "expected", "found"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_config_error_names_file_key_and_expectation(world, change, key, expected, found):
    change(world)
    with pytest.raises(ConfigError) as caught:
        parse_config(world, "world.toml")
    error = caught.value
    assert (error.file, error.key) == ("world.toml", key)
    assert expected in error.expected
    assert found in error.found
    assert str(error) == f"world.toml: {key}: expected {error.expected}, got {error.found}"


def test_wrong_type_message_reads_as_one_line(world):
    world["origins"][0]["connection_attempts"] = "abc"
    with pytest.raises(ConfigError) as caught:
        parse_config(world, "world.toml")
    assert str(caught.value) == (
        "world.toml: origins[0].connection_attempts: expected integer, got string 'abc'"
    )


@pytest.mark.parametrize(
    ("pattern", "problem"), [("/" + "a" * 300, "255"), ("/static/ *", "' '"), ("/a%20b", "'%'")]
)
def test_behavior_pattern_is_checked_by_the_matcher_rules(world, pattern, problem):
    world["behaviors"][0]["path_pattern"] = pattern
    with pytest.raises(ConfigError) as caught:
        parse_config(world, "world.toml")
    assert caught.value.key == "behaviors[0].path_pattern"
    assert caught.value.expected == "a CloudFront path pattern"
    assert caught.value.found.startswith("string '/")
    assert problem in caught.value.found


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('host = "127.0.0.1"\nlog_dir = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    error = caught.value
    assert (error.file, error.key, error.expected) == (str(path), "line 2, column 11",
                                                       "valid TOML")
    assert error.found == "syntax error: Invalid value"


def test_toml_error_at_end_of_document(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('host = "127.0.0.1', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert caught.value.key == "end of document"
    assert "Unterminated string" in caught.value.found


def test_missing_file(tmp_path):
    path = str(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: expected an existing TOML file, got no such file"


def test_directory_instead_of_a_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path))
    assert (caught.value.key, caught.value.found) == ("", "a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert caught.value.expected == "a readable TOML file"
    assert "ermission" in caught.value.found


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'host = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert (caught.value.key, caught.value.expected) == ("byte 11", "UTF-8 text")


def test_error_in_a_loaded_file_names_that_file(tmp_path):
    path = tmp_path / "mine.toml"
    text = Path(default_config_path()).read_text(encoding="utf-8")
    path.write_text(text.replace("port = 8102", "port = 8101"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert str(caught.value).startswith(f"{path}: pops[1].port: expected a port not already used")
