"""The distribution and its topology, as frozen dataclasses, and the TOML loader that builds them.

Names follow CloudFront's API in snake_case (`CachePolicyConfig.MinTTL` → `CachePolicy.min_ttl`).
Everything is parsed and validated once at start-up; the request path never re-reads strings.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

# ---------------------------------------------------------------------------------------------
# Policies (spec §4.2)

KeyBehavior = Literal["none", "whitelist", "allExcept", "all"]
OriginHeaderBehavior = Literal[
    "none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"
]
CacheSemanticsName = Literal["cloudfront", "rfc9111"]


@dataclass(frozen=True, slots=True)
class KeyParameters:
    """One of the headers / cookies / query-strings settings of a policy.

    `items` are the names listed for `whitelist` or `allExcept`; header names are stored
    lower-case (they are case-insensitive), cookie and query-string names as written.
    """

    behavior: str = "none"
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """What goes into the cache key (and so to the origin) and the TTL bounds."""

    name: str
    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    enable_accept_encoding_gzip: bool = False
    enable_accept_encoding_brotli: bool = False
    headers: KeyParameters = KeyParameters()
    cookies: KeyParameters = KeyParameters()
    query_strings: KeyParameters = KeyParameters()

    @property
    def caching_disabled(self) -> bool:
        """CachingDisabled-like: nothing stored, no collapsing, no compression (spec §4.2)."""
        return self.max_ttl == 0


@dataclass(frozen=True, slots=True)
class OriginRequestPolicy:
    """Values forwarded to the origin without being part of the cache key."""

    name: str
    headers: KeyParameters = KeyParameters()
    cookies: KeyParameters = KeyParameters()
    query_strings: KeyParameters = KeyParameters()


# ---------------------------------------------------------------------------------------------
# Origins (spec §2.3 quotas, §6.2 failover)


@dataclass(frozen=True, slots=True)
class Origin:
    """A custom origin: any HTTP server. `url` is scheme://host:port[/path] with no trailing /."""

    id: str
    url: str
    connection_timeout: float = 10.0
    response_timeout: float = 30.0
    connection_attempts: int = 3
    keepalive_timeout: float = 5.0
    custom_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OriginGroup:
    """Primary and secondary origin; failover on the listed statuses, connect errors, timeouts."""

    id: str
    primary: str
    secondary: str
    failover_status_codes: frozenset[int] = frozenset({500, 502, 503, 504})


# ---------------------------------------------------------------------------------------------
# Behaviors and errors (spec §4.1, §6.3)

ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
ALLOWED_METHOD_SETS = (
    frozenset({"GET", "HEAD"}),
    frozenset({"GET", "HEAD", "OPTIONS"}),
    ALL_METHODS,
)


@dataclass(frozen=True, slots=True)
class Behavior:
    """A cache behavior. The last one of a distribution is the default, pattern `*`."""

    path_pattern: str
    target_origin: str  # an Origin id or an OriginGroup id
    cache_policy: CachePolicy
    origin_request_policy: OriginRequestPolicy | None = None
    allowed_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    cached_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    compress: bool = True


@dataclass(frozen=True, slots=True)
class CustomErrorResponse:
    error_code: int
    response_page_path: str | None = None
    response_code: int | None = None
    error_caching_min_ttl: int = 10


@dataclass(frozen=True, slots=True)
class Distribution:
    id: str
    domain_name: str
    origins: dict[str, Origin]
    origin_groups: dict[str, OriginGroup]
    behaviors: tuple[Behavior, ...]  # in match order; the last is the default (`*`)
    custom_error_responses: dict[int, CustomErrorResponse] = field(default_factory=dict)
    cache_semantics: CacheSemanticsName = "cloudfront"
    # spec §4.3 note: no-cache/no-store/private with MinTTL > 0. "min_ttl": cached for MinTTL
    # (the table); "stale_if_unreachable": always ask the origin, keep the copy for errors.
    no_store_with_min_ttl: Literal["min_ttl", "stale_if_unreachable"] = "min_ttl"


# ---------------------------------------------------------------------------------------------
# Topology


@dataclass(frozen=True, slots=True)
class Node:
    """A PoP or a regional edge cache: one process, one port.

    `parent` is the id of the next tier up (a regional cache), or None for the origin.
    """

    id: str  # "IAD89-C1" for a PoP, "REC-us-east-1" style for a regional cache
    kind: Literal["pop", "rec"]
    city: str
    latitude: float
    longitude: float
    port: int
    parent: str | None = None
    cache_size: int = 256 * 1024 * 1024  # bytes
    max_object_size: int = 16 * 1024 * 1024  # larger bodies stream through uncached
    eviction: Literal["lru", "lfu", "fifo"] = "lru"  # which object goes when the cache is full


@dataclass(frozen=True, slots=True)
class OriginServer:
    """The sample origin started by `edgesim up` (absent when the user brings --origin)."""

    port: int = 8000


@dataclass(frozen=True, slots=True)
class Config:
    distribution: Distribution
    nodes: dict[str, Node]  # by id; PoPs and regional caches
    host: str = "127.0.0.1"
    origin_server: OriginServer | None = OriginServer()
    log_dir: str = "logs"
    source: str = "<default>"  # the file it came from, for messages

    @property
    def pops(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "pop"]

    @property
    def regional_caches(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "rec"]


# ---------------------------------------------------------------------------------------------
# Loading: TOML → Config. Every value is checked here, once, and every error names the file,
# the key path and what was expected, so the command line can print one line and exit 2.


class ConfigError(Exception):
    """A configuration value edgesim cannot use: where it is, what was expected, what was found.

    `key` is a path into the file ("behaviors[2].cache_policy"); it is "" when the file itself
    is the problem (missing, unreadable).
    """

    def __init__(self, file: str, key: str, expected: str, found: str) -> None:
        super().__init__(file, key, expected, found)
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: expected {self.expected}, got {self.found}"


def _describe(value: object) -> str:
    """A TOML value as a message shows it: its TOML type, then the value."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return f"string {_short(value)!r}"
    if isinstance(value, list):
        return f"array {_short(repr(value))}"
    if isinstance(value, dict):
        return "table"
    return f"{type(value).__name__} {value}"  # TOML dates and times


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names_list(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _choices(word: str, known: Mapping[str, object] | tuple[str, ...]) -> str:
    """'did you mean' when a known name is close (difflib), else the list of known names."""
    close = difflib.get_close_matches(word, list(known), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"one of {_names_list(sorted(known))}" if known else "none defined"


@dataclass(frozen=True, slots=True)
class _At:
    """Where a value sits in the file, so that an error can say so."""

    file: str
    key: str = ""

    def field(self, name: str) -> _At:
        return _At(self.file, f"{self.key}.{name}" if self.key else name)

    def item(self, index: int) -> _At:
        return _At(self.file, f"{self.key}[{index}]")

    def fail(self, expected: str, found: str) -> ConfigError:
        return ConfigError(self.file, self.key, expected, found)

    def wrong(self, expected: str, value: object) -> ConfigError:
        return self.fail(expected, _describe(value))


_Parse = Callable[[Any, _At], Any]


def _keys(
    value: object, at: _At, known: tuple[str, ...], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A table with no unknown key (the closest known one suggested) and every required key."""
    if not isinstance(value, dict):
        raise at.wrong("table", value)
    for key in value:
        if key not in known:
            raise at.field(key).fail(f"a known key ({_choices(key, known)})", "unknown key")
    for key in required:
        if key not in value:
            raise at.field(key).fail("a value (the key is required)", "nothing")
    return value


def _fields(
    value: object, at: _At, parsers: Mapping[str, _Parse], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A table read through `parsers`, one per known key; absent keys keep dataclass defaults."""
    table = _keys(value, at, tuple(parsers), required)
    return {key: parsers[key](v, at.field(key)) for key, v in table.items()}


def _tables(value: object, at: _At, limit: int | None = None) -> list[Any]:
    """An array of tables (`[[origins]]`); `limit` is CloudFront's quota (spec §2.3)."""
    if not isinstance(value, list):
        raise at.wrong(f"array of tables ([[{at.key}]])", value)
    if limit is not None and len(value) > limit:
        raise at.fail(f"at most {limit} entries (CloudFront quota)", f"{len(value)} entries")
    return value


def _text(value: object, at: _At) -> str:
    if not isinstance(value, str):
        raise at.wrong("string", value)
    if not value.strip():
        raise at.wrong("non-empty string", value)
    return value


def _boolean(value: object, at: _At) -> bool:
    if not isinstance(value, bool):
        raise at.wrong("boolean (true or false)", value)
    return value


def _integer(low: int, high: int | None = None) -> _Parse:
    def parse(value: object, at: _At) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise at.wrong("integer", value)
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise at.wrong(f"integer {bounds}", value)
        return value

    return parse


def _number(low: float, high: float) -> _Parse:
    def parse(value: object, at: _At) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise at.wrong("number", value)
        if not low <= value <= high:  # written so that nan fails too
            raise at.wrong(f"number from {low:g} to {high:g}", value)
        return float(value)

    return parse


def _choice(*choices: str) -> _Parse:
    def parse(value: object, at: _At) -> str:
        text = _text(value, at)
        if text not in choices:
            raise at.wrong(f"one of {_names_list(list(choices))}", value)
        return text

    return parse


def _status(codes: frozenset[int]) -> _Parse:
    def parse(value: object, at: _At) -> int:
        code = _integer(100, 599)(value, at)
        if code not in codes:
            raise at.wrong(f"one of {', '.join(map(str, sorted(codes)))}", value)
        return code

    return parse


def _reference(what: str, known: Mapping[str, Any]) -> _Parse:
    """A name that must be defined elsewhere in the file (or be a managed policy)."""

    def parse(value: object, at: _At) -> Any:
        name = _text(value, at)
        if name not in known:
            raise at.wrong(f"{what} ({_choices(name, known)})", value)
        return known[name]

    return parse


def _names(limit: int) -> _Parse:
    """The `items` of key parameters: distinct names, at most `limit` (spec §2.3)."""

    def parse(value: object, at: _At) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise at.wrong("array of names", value)
        if len(value) > limit:
            raise at.fail(f"at most {limit} names (CloudFront quota)", f"{len(value)} names")
        names = tuple(_text(v, at.item(i)) for i, v in enumerate(value))
        for i, name in enumerate(names):
            if name in names[:i]:
                raise at.item(i).wrong("a name not already listed", name)
        return names

    return parse


_SIZE = re.compile(r"(\d+)\s*(B|KiB|MiB|GiB)?")
_SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def _size(value: object, at: _At) -> int:
    """Bytes, as an integer or as a string with a binary unit ("256MiB")."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and (m := _SIZE.fullmatch(value.strip())) and int(m[1]) > 0:
        return int(m[1]) * _SIZE_UNITS[m[2] or "B"]
    raise at.wrong("a size: a positive integer (bytes) or a string like '256MiB' or '1GiB'", value)


_URL_EXPECTED = "an http:// or https:// URL: host, optional port and path, no query"


def _origin_url(value: object, at: _At) -> str:
    """`scheme://host:port[/path]`, the port made explicit and no trailing '/' (see Origin)."""
    text = _text(value, at)
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        raise at.wrong(_URL_EXPECTED, value) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or port == 0
        or any(c.isspace() for c in text)
    ):
        raise at.wrong(_URL_EXPECTED, value)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{host}:{port}{parts.path.rstrip('/')}"


def _custom_headers(value: object, at: _At) -> tuple[tuple[str, str], ...]:
    """Headers added to every origin request; CloudFront's limits (spec §2.3)."""
    if not isinstance(value, dict):
        raise at.wrong("table of header name = value", value)
    if len(value) > 10:
        raise at.fail("at most 10 headers (CloudFront quota)", f"{len(value)} headers")
    headers = []
    for name, v in value.items():
        if len(name) > 256:
            raise at.field(name).fail("a header name of at most 256 characters", "a longer name")
        if not isinstance(v, str) or len(v) > 1783:
            raise at.field(name).wrong("a string of at most 1783 characters", v)
        headers.append((name, v))
    return tuple(headers)


# spec §4.2: the behaviors each kind of key parameter accepts, and which of them list names.
_CACHE_KEY_BEHAVIORS = {
    "headers": ("none", "whitelist"),
    "cookies": ("none", "whitelist", "allExcept", "all"),
    "query_strings": ("none", "whitelist", "allExcept", "all"),
}
_ORIGIN_REQUEST_BEHAVIORS = {
    "headers": ("none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"),
    "cookies": ("none", "whitelist", "allExcept", "all"),
    "query_strings": ("none", "whitelist", "allExcept", "all"),
}
_NEEDS_ITEMS = frozenset({"whitelist", "allExcept"})
_TAKES_ITEMS = _NEEDS_ITEMS | {"allViewerAndWhitelistCloudFront"}


def _key_parameters(kind: str, behaviors: tuple[str, ...]) -> _Parse:
    def parse(value: object, at: _At) -> KeyParameters:
        fields = _fields(
            value, at, {"behavior": _choice(*behaviors), "items": _names(10)}, ("behavior",)
        )
        behavior: str = fields["behavior"]
        items: tuple[str, ...] = fields.get("items", ())
        if behavior in _NEEDS_ITEMS and not items:
            raise at.field("items").fail(f"at least one name with behavior {behavior!r}", "none")
        if behavior not in _TAKES_ITEMS and items:
            raise at.field("items").wrong(f"no names with behavior {behavior!r}", list(items))
        if kind == "headers":  # names are case-insensitive; KeyParameters keeps them lower-case
            items = tuple(name.lower() for name in items)
        if behavior == "allViewerAndWhitelistCloudFront":
            for i, name in enumerate(items):
                if not name.startswith("cloudfront-"):
                    raise at.field("items").item(i).wrong("a CloudFront-* header name", name)
        return KeyParameters(behavior, items)

    return parse


def _cache_policy(name: str, value: object, at: _At) -> CachePolicy:
    ttl = _integer(0)
    fields = _fields(value, at, {
        "min_ttl": ttl,
        "default_ttl": ttl,
        "max_ttl": ttl,
        "enable_accept_encoding_gzip": _boolean,
        "enable_accept_encoding_brotli": _boolean,
        **{k: _key_parameters(k, b) for k, b in _CACHE_KEY_BEHAVIORS.items()},
    })
    policy = CachePolicy(name, **fields)
    # spec §4.2: MinTTL <= DefaultTTL <= MaxTTL
    if policy.default_ttl < policy.min_ttl:
        raise at.field("default_ttl").wrong(
            f"integer >= min_ttl ({policy.min_ttl})", policy.default_ttl
        )
    if policy.max_ttl < policy.default_ttl:
        raise at.field("max_ttl").wrong(
            f"integer >= default_ttl ({policy.default_ttl})", policy.max_ttl
        )
    return policy


def _origin_request_policy(name: str, value: object, at: _At) -> OriginRequestPolicy:
    parsers = {k: _key_parameters(k, b) for k, b in _ORIGIN_REQUEST_BEHAVIORS.items()}
    policy = OriginRequestPolicy(name, **_fields(value, at, parsers))
    # CloudFront refuses Authorization in an origin request policy: it reaches the origin only
    # as part of the cache key (a cache policy's header whitelist).
    if policy.headers.behavior == "whitelist" and "authorization" in policy.headers.items:
        i = policy.headers.items.index("authorization")
        raise at.field("headers").field("items").item(i).fail(
            "a header other than Authorization (forward it with the cache policy instead)",
            "header 'Authorization'",
        )
    return policy


def _policies(
    value: object, at: _At, managed: Mapping[str, Any], build: Callable[[str, object, _At], Any]
) -> dict[str, Any]:
    """Managed policies by AWS name, plus the file's own (which may not reuse a managed name)."""
    if not isinstance(value, dict):
        raise at.wrong("table of policy name = { ... }", value)
    policies = dict(managed)
    for name, body in value.items():
        if name in managed:
            raise at.field(name).fail(
                "a name not used by an AWS managed policy", f"managed policy name {name!r}"
            )
        policies[name] = build(name, body, at.field(name))
    return policies


_CACHED_METHOD_SETS = (frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}))


_METHOD_ORDER = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")


def _methods(sets: tuple[frozenset[str], ...]) -> _Parse:
    """One of CloudFront's fixed method sets, written as a list (spec §4.1)."""
    expected = " or ".join(str(sorted(s, key=_METHOD_ORDER.index)) for s in sets)

    def parse(value: object, at: _At) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
            raise at.wrong(f"one of {expected}", value)
        methods = frozenset(value)
        if methods not in sets:
            raise at.wrong(f"one of {expected}", value)
        return methods

    return parse


@dataclass(frozen=True, slots=True)
class _Names:
    """What a behavior may refer to, once origins, groups and policies are read."""

    targets: dict[str, str]  # origin and origin group ids
    cache_policies: dict[str, CachePolicy]
    origin_request_policies: dict[str, OriginRequestPolicy]


def _behavior(value: object, at: _At, names: _Names, pattern: str | None) -> Behavior:
    """One cache behavior; `pattern` is "*" for the default behavior, None when read here."""
    parsers: dict[str, _Parse] = {
        "origin": _reference("an origin or origin group id", names.targets),
        "cache_policy": _reference("a managed or defined cache policy", names.cache_policies),
        "origin_request_policy": _reference(
            "a managed or defined origin request policy", names.origin_request_policies
        ),
        "allowed_methods": _methods(ALLOWED_METHOD_SETS),
        "cached_methods": _methods(_CACHED_METHOD_SETS),
        "compress": _boolean,
    }
    required = ("origin", "cache_policy")
    if pattern is None:
        parsers = {"path_pattern": _path_pattern, **parsers}
        required = ("path_pattern", *required)
    fields = _fields(value, at, parsers, required)
    behavior = Behavior(
        path_pattern=fields.pop("path_pattern", pattern),
        target_origin=fields.pop("origin"),
        **fields,
    )
    if not behavior.cached_methods <= behavior.allowed_methods:
        raise at.field("cached_methods").wrong(
            "methods among allowed_methods", sorted(behavior.cached_methods)
        )
    return behavior


def _path_pattern(value: object, at: _At) -> str:
    from edge.http.behaviors import pattern_error  # the matcher owns the syntax; it imports us

    pattern = _text(value, at)
    problem = pattern_error(pattern)
    if problem:
        raise at.fail("a CloudFront path pattern", f"{_describe(value)}: {problem}")
    return pattern


_ERROR_CODES = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})  # spec §6.3


def _page_path(value: object, at: _At) -> str:
    path = _text(value, at)
    if not path.startswith("/"):
        raise at.wrong("a path starting with '/'", value)
    return path


def _custom_error_response(value: object, at: _At) -> CustomErrorResponse:
    fields = _fields(value, at, {
        "error_code": _status(_ERROR_CODES),
        "response_page_path": _page_path,
        "response_code": _status(_ERROR_CODES | {200}),
        "error_caching_min_ttl": _integer(0),
    }, ("error_code",))
    # CloudFront takes the page and the status together or neither.
    pair = ("response_page_path", "response_code")
    for key, other in (pair, pair[::-1]):
        if key in fields and other not in fields:
            raise at.field(other).fail(f"a value, since {key} is set", "nothing")
    return CustomErrorResponse(**fields)


_POP_ID = re.compile(r"[A-Z]{3}[0-9]+(-[CP][0-9]+)?")  # CloudFront's form: IAD89-C1, FRA56-P5


def _pop_id(value: object, at: _At) -> str:
    text = _text(value, at)
    if not _POP_ID.fullmatch(text):
        raise at.wrong(
            "a PoP id like 'IAD89-C1' (airport code, digits, optional -C<n>/-P<n>)", value
        )
    return text


def _node(value: object, at: _At, kind: Literal["pop", "rec"], parents: Mapping[str, str]) -> Node:
    parsers: dict[str, _Parse] = {
        "id": _pop_id if kind == "pop" else _text,
        "city": _text,
        "latitude": _number(-90, 90),
        "longitude": _number(-180, 180),
        "port": _port,
        "cache_size": _size,
        "max_object_size": _size,
        "eviction": _choice("lru", "lfu", "fifo"),
    }
    if kind == "pop":  # a PoP's parent is a regional cache; none means the origin
        parsers["parent"] = _reference("a regional cache id", parents)
    required = ("id", "city", "latitude", "longitude", "port")
    node = Node(kind=kind, **_fields(value, at, parsers, required))
    if node.port > 65535 - 1000:
        raise at.field("port").wrong("a port up to 64535 (the admin API listens 1000 above)",
                                     node.port)
    if node.max_object_size > node.cache_size:
        raise at.field("max_object_size").wrong(
            f"a size no larger than cache_size ({node.cache_size} bytes)", node.max_object_size
        )
    return node


def _unique(value: object, at: _At, seen: dict[Any, str], what: str) -> None:
    """Ids and ports are used once; `seen` maps each to the key path that took it first."""
    if value in seen:
        raise at.wrong(f"{what} not already used by {seen[value]}", value)
    seen[value] = at.key


_TOP_LEVEL = (
    "distribution", "origins", "origin_groups", "cache_policies", "origin_request_policies",
    "behaviors", "default_behavior", "custom_error_responses", "pops", "regional_caches",
    "host", "origin_server", "log_dir",
)
_REQUIRED = ("distribution", "origins", "default_behavior", "pops")


def parse_config(data: dict[str, Any], source: str) -> Config:
    """Build a Config from a parsed TOML document; `source` names the file in errors."""
    from edge.managed_policies import (  # built from the dataclasses above
        MANAGED_CACHE_POLICIES,
        MANAGED_ORIGIN_REQUEST_POLICIES,
    )

    top = _At(source)
    _keys(data, top, _TOP_LEVEL, _REQUIRED)
    ids: dict[Any, str] = {}  # origins, groups and nodes share one id space
    ports: dict[Any, str] = {}
    origins = _origins(data["origins"], top.field("origins"), ids)
    groups = _origin_groups(data.get("origin_groups", []), top.field("origin_groups"), origins, ids)
    names = _Names(
        targets={**{o: o for o in origins}, **{g: g for g in groups}},
        cache_policies=_policies(
            data.get("cache_policies", {}), top.field("cache_policies"),
            MANAGED_CACHE_POLICIES, _cache_policy,
        ),
        origin_request_policies=_policies(
            data.get("origin_request_policies", {}), top.field("origin_request_policies"),
            MANAGED_ORIGIN_REQUEST_POLICIES, _origin_request_policy,
        ),
    )
    distribution = Distribution(
        origins=origins,
        origin_groups=groups,
        behaviors=_behaviors(data, top, names),
        custom_error_responses=_custom_error_responses(
            data.get("custom_error_responses", []), top.field("custom_error_responses")
        ),
        **_fields(data["distribution"], top.field("distribution"), {
            "id": _text,
            "domain_name": _text,
            "cache_semantics": _choice("cloudfront", "rfc9111"),
            "no_store_with_min_ttl": _choice("min_ttl", "stale_if_unreachable"),
        }, ("id", "domain_name")),
    )
    nodes = _nodes(data, top, ids, ports)
    origin_server = None
    if "origin_server" in data:
        at = top.field("origin_server")
        origin_server = OriginServer(**_fields(data["origin_server"], at, {"port": _port}))
        _unique(origin_server.port, at.field("port"), ports, "a port")
    return Config(
        distribution=distribution,
        nodes=nodes,
        origin_server=origin_server,
        source=source,
        **{k: _text(data[k], top.field(k)) for k in ("host", "log_dir") if k in data},
    )


_port = _integer(1, 65535)


def _origins(value: object, at: _At, ids: dict[Any, str]) -> dict[str, Origin]:
    origins: dict[str, Origin] = {}
    for i, body in enumerate(_tables(value, at, 25)):
        origin = Origin(**_fields(body, at.item(i), {
            "id": _text,
            "url": _origin_url,
            "connection_timeout": _number(1, 10),  # spec §2.3
            "response_timeout": _number(1, 120),
            "connection_attempts": _integer(1, 3),
            "keepalive_timeout": _number(1, 120),
            "custom_headers": _custom_headers,
        }, ("id", "url")))
        _unique(origin.id, at.item(i).field("id"), ids, "an id")
        origins[origin.id] = origin
    if not origins:
        raise at.fail("at least one origin", "none")
    return origins


_FAILOVER_CODES = frozenset({400, 403, 404, 416, 500, 502, 503, 504})  # spec §6.2


def _failover_codes(value: object, at: _At) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise at.wrong("a non-empty array of status codes", value)
    return frozenset(_status(_FAILOVER_CODES)(v, at.item(i)) for i, v in enumerate(value))


def _origin_groups(
    value: object, at: _At, origins: dict[str, Origin], ids: dict[Any, str]
) -> dict[str, OriginGroup]:
    member = _reference("an origin id", {o: o for o in origins})
    groups: dict[str, OriginGroup] = {}
    for i, body in enumerate(_tables(value, at, 10)):
        group = OriginGroup(**_fields(body, at.item(i), {
            "id": _text,
            "primary": member,
            "secondary": member,
            "failover_status_codes": _failover_codes,
        }, ("id", "primary", "secondary")))
        _unique(group.id, at.item(i).field("id"), ids, "an id")
        if group.secondary == group.primary:
            raise at.item(i).field("secondary").wrong("an origin other than primary", group.primary)
        groups[group.id] = group
    return groups


def _behaviors(data: dict[str, Any], top: _At, names: _Names) -> tuple[Behavior, ...]:
    """The ordered behaviors, then the default one as the last, with pattern "*" (spec §4.1)."""
    at = top.field("behaviors")
    behaviors = []
    patterns: dict[Any, str] = {"*": "default_behavior"}
    for i, body in enumerate(_tables(data.get("behaviors", []), at, 75)):
        behavior = _behavior(body, at.item(i), names, None)
        _unique(behavior.path_pattern, at.item(i).field("path_pattern"), patterns, "a pattern")
        behaviors.append(behavior)
    behaviors.append(_behavior(data["default_behavior"], top.field("default_behavior"), names, "*"))
    return tuple(behaviors)


def _custom_error_responses(value: object, at: _At) -> dict[int, CustomErrorResponse]:
    errors: dict[int, CustomErrorResponse] = {}
    codes: dict[Any, str] = {}
    for i, body in enumerate(_tables(value, at, len(_ERROR_CODES))):
        error = _custom_error_response(body, at.item(i))
        _unique(error.error_code, at.item(i).field("error_code"), codes, "an error code")
        errors[error.error_code] = error
    return errors


_NODE_SECTIONS: tuple[tuple[str, Literal["pop", "rec"]], ...] = (
    ("regional_caches", "rec"),  # first: PoPs name them as parents
    ("pops", "pop"),
)


def _nodes(
    data: dict[str, Any], top: _At, ids: dict[Any, str], ports: dict[Any, str]
) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for section, kind in _NODE_SECTIONS:
        at = top.field(section)
        recs = {n: n for n in nodes}
        for i, body in enumerate(_tables(data.get(section, []), at)):
            node = _node(body, at.item(i), kind, recs)
            _unique(node.id, at.item(i).field("id"), ids, "an id")
            _unique(node.port, at.item(i).field("port"), ports, "a port")
            nodes[node.id] = node
    if not any(n.kind == "pop" for n in nodes.values()):
        raise top.field("pops").fail("at least one PoP", "none")
    return nodes


_TOML_POSITION = re.compile(
    r"(?P<problem>.*) \(at (?P<where>line \d+, column \d+|end of document)\)"
)


def load_config(path: str | None = None) -> Config:
    """Read and check a config file; None reads the embedded default world."""
    source = default_config_path() if path is None else path
    try:
        with open(source, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(source, "", "an existing TOML file", "no such file") from None
    except IsADirectoryError:
        raise ConfigError(source, "", "a TOML file", "a directory") from None
    except OSError as e:
        raise ConfigError(source, "", "a readable TOML file", e.strerror or str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(source, f"byte {e.start}", "UTF-8 text", "other bytes") from None
    except tomllib.TOMLDecodeError as e:
        m = _TOML_POSITION.fullmatch(str(e))
        where, problem = (m["where"], m["problem"]) if m else ("", str(e))
        raise ConfigError(source, where, "valid TOML", f"syntax error: {problem}") from None
    return parse_config(data, source)


def default_config_path() -> str:
    """The embedded default world (`edge/defaults/edgesim.toml`), shipped as package data."""
    return str(resources.files("edge") / "defaults" / "edgesim.toml")


def with_origin(config: Config, url: str) -> Config:
    """The world of `config` in front of the user's own app (`edgesim up --origin URL`).

    One origin `app`, one default behavior that honours the app's own Cache-Control (nothing is
    cached that the app does not mark cacheable) and forwards everything but Host, and no
    sample origin server.
    """
    from edge.managed_policies import (  # built from the dataclasses above
        MANAGED_CACHE_POLICIES,
        MANAGED_ORIGIN_REQUEST_POLICIES,
    )

    at = _At("command line", "--origin")
    app = Origin("app", _origin_url(url, at))
    parts = urlsplit(app.url)
    for node in config.nodes.values():
        if parts.port == node.port and _is_local(parts.hostname or "", config.host):
            raise at.wrong(f"an address other than edgesim's own {node.id} (:{node.port})", url)
    behavior = Behavior(
        path_pattern="*",
        target_origin=app.id,
        cache_policy=MANAGED_CACHE_POLICIES["UseOriginCacheControlHeaders-QueryStrings"],
        origin_request_policy=MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"],
        allowed_methods=ALL_METHODS,
        compress=True,
    )
    distribution = replace(
        config.distribution, origins={app.id: app}, origin_groups={}, behaviors=(behavior,)
    )
    return replace(config, distribution=distribution, origin_server=None)


def _is_local(host: str, bind_host: str) -> bool:
    """Would a request to `host` reach a node bound to `bind_host` on this machine?"""
    if host in (bind_host, "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
