"""TOML → Config: every section read, every reference resolved, CloudFront's quotas enforced.

An unknown key is an error (with the closest known key suggested), never silently ignored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from edge.config.checks import (
    At,
    ConfigError,
    Parse,
    array_of_tables,
    boolean,
    choice,
    choices,
    describe,
    integer,
    name_list,
    number,
    quoted_names,
    reference,
    size,
    status,
    string,
    table_fields,
    table_keys,
)
from edge.config.functions import FunctionCatalog, function_associations, function_limits
from edge.config.model import (
    ALL_METHODS,
    ALLOWED_METHOD_SETS,
    Behavior,
    CachePolicy,
    Config,
    ControlPlane,
    CustomErrorResponse,
    Distribution,
    FrontDoor,
    GeoRestriction,
    IPNetwork,
    KeyParameters,
    Latency,
    Node,
    Origin,
    OriginGroup,
    OriginRequestPolicy,
    OriginServer,
)
from edge.config.signing import KeyGroup, key_groups, trusted_key_groups
from edge.geo.countries import COUNTRY_CODES
from edge.geo.latency import LatencyModel

_URL_EXPECTED = "an http:// or https:// URL: host, optional port and path, no query"


def _origin_url(value: object, at: At) -> str:
    """`scheme://host:port[/path]`, the port made explicit and no trailing '/' (see Origin)."""
    text = string(value, at)
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


def _custom_headers(value: object, at: At) -> tuple[tuple[str, str], ...]:
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


def _key_parameters(kind: str, behaviors: tuple[str, ...]) -> Parse:
    def parse(value: object, at: At) -> KeyParameters:
        fields = table_fields(
            value, at, {"behavior": choice(*behaviors), "items": name_list(10)}, ("behavior",)
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


def _cache_policy(name: str, value: object, at: At) -> CachePolicy:
    ttl = integer(0)
    fields = table_fields(value, at, {
        "min_ttl": ttl,
        "default_ttl": ttl,
        "max_ttl": ttl,
        "enable_accept_encoding_gzip": boolean,
        "enable_accept_encoding_brotli": boolean,
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


def _origin_request_policy(name: str, value: object, at: At) -> OriginRequestPolicy:
    parsers = {k: _key_parameters(k, b) for k, b in _ORIGIN_REQUEST_BEHAVIORS.items()}
    policy = OriginRequestPolicy(name, **table_fields(value, at, parsers))
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
    value: object, at: At, managed: Mapping[str, Any], build: Callable[[str, object, At], Any]
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


def _methods(sets: tuple[frozenset[str], ...]) -> Parse:
    """One of CloudFront's fixed method sets, written as a list (spec §4.1)."""
    expected = " or ".join(str(sorted(s, key=_METHOD_ORDER.index)) for s in sets)

    def parse(value: object, at: At) -> frozenset[str]:
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
    functions: FunctionCatalog
    key_groups: dict[str, KeyGroup]


def _behavior(value: object, at: At, names: _Names, pattern: str | None) -> Behavior:
    """One cache behavior; `pattern` is "*" for the default behavior, None when read here."""
    parsers: dict[str, Parse] = {
        "origin": reference("an origin or origin group id", names.targets),
        "cache_policy": reference("a managed or defined cache policy", names.cache_policies),
        "origin_request_policy": reference(
            "a managed or defined origin request policy", names.origin_request_policies
        ),
        "allowed_methods": _methods(ALLOWED_METHOD_SETS),
        "cached_methods": _methods(_CACHED_METHOD_SETS),
        "compress": boolean,
        "functions": lambda v, a: function_associations(v, a, names.functions),
        "trusted_key_groups": lambda v, a: trusted_key_groups(v, a, names.key_groups),
    }
    required = ("origin", "cache_policy")
    if pattern is None:
        parsers = {"path_pattern": _path_pattern, **parsers}
        required = ("path_pattern", *required)
    fields = table_fields(value, at, parsers, required)
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


def _path_pattern(value: object, at: At) -> str:
    from edge.http.behaviors import pattern_error  # the matcher owns the syntax; it imports us

    pattern = string(value, at)
    problem = pattern_error(pattern)
    if problem:
        raise at.fail("a CloudFront path pattern", f"{describe(value)}: {problem}")
    return pattern


_ERROR_CODES = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})  # spec §6.3


def _page_path(value: object, at: At) -> str:
    path = string(value, at)
    if not path.startswith("/"):
        raise at.wrong("a path starting with '/'", value)
    return path


def _custom_error_response(value: object, at: At) -> CustomErrorResponse:
    fields = table_fields(value, at, {
        "error_code": status(_ERROR_CODES),
        "response_page_path": _page_path,
        "response_code": status(_ERROR_CODES | {200}),
        "error_caching_min_ttl": integer(0),
    }, ("error_code",))
    # CloudFront takes the page and the status together or neither.
    pair = ("response_page_path", "response_code")
    for key, other in (pair, pair[::-1]):
        if key in fields and other not in fields:
            raise at.field(other).fail(f"a value, since {key} is set", "nothing")
    return CustomErrorResponse(**fields)


_POP_ID = re.compile(r"[A-Z]{3}[0-9]+(-[CP][0-9]+)?")  # CloudFront's form: IAD89-C1, FRA56-P5


def _pop_id(value: object, at: At) -> str:
    text = string(value, at)
    if not _POP_ID.fullmatch(text):
        raise at.wrong(
            "a PoP id like 'IAD89-C1' (airport code, digits, optional -C<n>/-P<n>)", value
        )
    return text


def _node(value: object, at: At, kind: Literal["pop", "rec"], parents: Mapping[str, str]) -> Node:
    parsers: dict[str, Parse] = {
        "id": _pop_id if kind == "pop" else string,
        "city": string,
        "latitude": number(-90, 90),
        "longitude": number(-180, 180),
        "port": _viewer_port,
        "cache_size": size,
        "max_object_size": size,
        "eviction": choice("lru", "lfu", "fifo"),
    }
    if kind == "pop":  # a PoP's parent is a regional cache; none means the origin
        parsers["parent"] = reference("a regional cache id", parents)
    required = ("id", "city", "latitude", "longitude", "port")
    node = Node(kind=kind, **table_fields(value, at, parsers, required))
    if node.max_object_size > node.cache_size:
        raise at.field("max_object_size").wrong(
            f"a size no larger than cache_size ({node.cache_size} bytes)", node.max_object_size
        )
    return node


def _unique(value: object, at: At, seen: dict[Any, str], what: str) -> None:
    """Ids and ports are used once; `seen` maps each to the key path that took it first."""
    if value in seen:
        raise at.wrong(f"{what} not already used by {seen[value]}", value)
    seen[value] = at.key


def _country_codes(value: object, at: At) -> frozenset[str]:
    if not isinstance(value, list):
        raise at.wrong("array of country codes", value)
    codes: dict[Any, str] = {}
    for i, v in enumerate(value):
        code = string(v, at.item(i))
        if code not in COUNTRY_CODES:
            hint = f" (did you mean {code.upper()!r}?)" if code.upper() in COUNTRY_CODES else ""
            raise at.item(i).wrong(f"an ISO 3166-1 alpha-2 country code like 'US'{hint}", v)
        _unique(code, at.item(i), codes, "a country")
    return frozenset(codes)


def _geo_restriction(value: object, at: At) -> GeoRestriction:
    """Spec §6.4: `{restriction_type, items}`, as CloudFront's `GeoRestriction`."""
    fields = table_fields(value, at, {
        "restriction_type": choice("none", "whitelist", "blacklist"),
        "items": _country_codes,
    }, ("restriction_type",))
    restriction = GeoRestriction(**fields)
    kind = restriction.restriction_type
    if kind != "none" and not restriction.items:
        raise at.field("items").fail(f"at least one country code with restriction_type {kind!r}",
                                     "none")
    if kind == "none" and restriction.items:
        raise at.field("items").wrong("no country codes with restriction_type 'none'",
                                      sorted(restriction.items))
    return restriction


def _trusted_proxies(value: object, at: At) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR blocks ("10.0.0.0/8", "::1"); host bits are allowed ("127.0.0.1/8")."""
    if not isinstance(value, list):
        raise at.wrong("array of addresses or CIDR blocks", value)
    networks = []
    for i, v in enumerate(value):
        text = string(v, at.item(i))
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise at.item(i).wrong("an IP address or CIDR block like '10.0.0.0/8' or '::1'",
                                   v) from None
    return tuple(networks)


_TOP_LEVEL = (
    "distribution", "origins", "origin_groups", "cache_policies", "origin_request_policies",
    "behaviors", "default_behavior", "custom_error_responses", "pops", "regional_caches",
    "host", "origin_server", "log_dir", "edge_functions", "trusted_proxies", "front_door",
    "latency", "geolite2", "public_keys", "key_groups", "control_plane",
)
_REQUIRED = ("distribution", "origins", "default_behavior", "pops")


def _version(data: Mapping[str, Any]) -> str:
    """A digest of a parsed config document: the same for every node that read the same file."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_config(data: dict[str, Any], source: str) -> Config:
    """Build a Config from a parsed TOML document; `source` names the file in errors."""
    from edge.managed_policies import (  # built from the dataclasses above
        MANAGED_CACHE_POLICIES,
        MANAGED_ORIGIN_REQUEST_POLICIES,
    )

    top = At(source)
    table_keys(data, top, _TOP_LEVEL, _REQUIRED)
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
        functions=FunctionCatalog(Path(source).parent),
        key_groups=key_groups(data, top, Path(source).parent),
    )
    distribution = Distribution(
        origins=origins,
        origin_groups=groups,
        behaviors=_behaviors(data, top, names),
        custom_error_responses=_custom_error_responses(
            data.get("custom_error_responses", []), top.field("custom_error_responses")
        ),
        function_limits=function_limits(data.get("edge_functions", {}),
                                        top.field("edge_functions")),
        **table_fields(data["distribution"], top.field("distribution"), {
            "id": string,
            "domain_name": string,
            "cache_semantics": choice("cloudfront", "rfc9111"),
            "no_store_with_min_ttl": choice("min_ttl", "stale_if_unreachable"),
            "geo_restriction": _geo_restriction,
        }, ("id", "domain_name")),
    )
    nodes = _nodes(data, top, ids, ports)
    recs = {n.id: n.id for n in nodes.values() if n.kind == "rec"}
    for i, origin in enumerate(origins.values()):
        if origin.origin_shield is not None and origin.origin_shield not in recs:
            raise top.field("origins").item(i).field("origin_shield").wrong(
                f"the id of a regional cache ({choices(origin.origin_shield, recs)})",
                origin.origin_shield)
    origin_server = None
    if "origin_server" in data:
        at = top.field("origin_server")
        origin_server = OriginServer(**table_fields(data["origin_server"], at, {"port": _port}))
        _unique(origin_server.port, at.field("port"), ports, "a port")
    front_door = None
    if "front_door" in data:
        at = top.field("front_door")
        front_door = FrontDoor(**table_fields(data["front_door"], at, {"port": _viewer_port}))
        _unique(front_door.port, at.field("port"), ports, "a port")
    control_plane = None
    if "control_plane" in data:
        control_plane = _control_plane(data["control_plane"], top.field("control_plane"), ports)
    return Config(
        distribution=distribution,
        nodes=nodes,
        origin_server=origin_server,
        front_door=front_door,
        control_plane=control_plane,
        latency=_latency(data.get("latency", {}), top.field("latency")),
        **({"geolite2": _geolite2(data["geolite2"], top.field("geolite2"))}
           if "geolite2" in data else {}),
        source=source,
        version=_version(data),
        **{k: string(data[k], top.field(k)) for k in ("host", "log_dir") if k in data},
        **({"trusted_proxies": _trusted_proxies(data["trusted_proxies"],
                                                top.field("trusted_proxies"))}
           if "trusted_proxies" in data else {}),
    )


_port = integer(1, 65535)


def _viewer_port(value: object, at: At) -> int:
    """A port with room for the admin API 1000 above it."""
    port = _port(value, at)
    if port > 65535 - 1000:
        raise at.wrong("a port up to 64535 (the admin API listens 1000 above)", port)
    return port


def _control_plane(value: object, at: At, ports: dict[Any, str]) -> ControlPlane:
    """One port of its own, clear of every other port and of the admin ports 1000 above the
    nodes' and the front door's."""
    control_plane = ControlPlane(**table_fields(value, at, {
        "port": _port, "watch_config": boolean}))
    port_at = at.field("port")
    admin_ports = {port + 1000: f"the admin port of {key}" for port, key in ports.items()
                   if not key.startswith("origin_server")}
    _unique(control_plane.port, port_at, admin_ports, "a port")
    _unique(control_plane.port, port_at, ports, "a port")
    return control_plane


def _geolite2(value: object, at: At) -> bool:
    from edge.geo.locations import INSTALL_GEOLITE2, geolite2_path

    wanted = boolean(value, at)
    if wanted:
        try:
            geolite2_path()
        except RuntimeError:
            raise at.fail(f"false, or the GeoLite2 City extra installed ({INSTALL_GEOLITE2})",
                          "true") from None
    return wanted


def _latency(value: object, at: At) -> Latency:
    fields = table_fields(value, at, {
        "base_ms": number(0, 10_000),
        "inflation": number(1, 10),
        "jitter_ms": number(0, 10_000),
        "time_scale": number(0, 100),
        "bandwidth_mbps": number(0, 1_000_000),
    })
    scale = fields.pop("time_scale", 1.0)
    bandwidth = fields.pop("bandwidth_mbps", 0.0)
    return Latency(LatencyModel(**fields), scale, bandwidth)


def _origins(value: object, at: At, ids: dict[Any, str]) -> dict[str, Origin]:
    origins: dict[str, Origin] = {}
    for i, body in enumerate(array_of_tables(value, at, 25)):
        origin = Origin(**table_fields(body, at.item(i), {
            "id": string,
            "url": _origin_url,
            "connection_timeout": number(1, 10),  # spec §2.3
            "response_timeout": number(1, 120),
            "connection_attempts": integer(1, 3),
            "keepalive_timeout": number(1, 120),
            "custom_headers": _custom_headers,
            "city": string,
            "latitude": number(-90, 90),
            "longitude": number(-180, 180),
            "origin_shield": string,
        }, ("id", "url")))
        _unique(origin.id, at.item(i).field("id"), ids, "an id")
        origins[origin.id] = origin
    if not origins:
        raise at.fail("at least one origin", "none")
    return origins


_FAILOVER_CODES = frozenset({400, 403, 404, 416, 500, 502, 503, 504})  # spec §6.2


def _failover_codes(value: object, at: At) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise at.wrong("a non-empty array of status codes", value)
    return frozenset(status(_FAILOVER_CODES)(v, at.item(i)) for i, v in enumerate(value))


def _origin_groups(
    value: object, at: At, origins: dict[str, Origin], ids: dict[Any, str]
) -> dict[str, OriginGroup]:
    member = reference("an origin id", {o: o for o in origins})
    groups: dict[str, OriginGroup] = {}
    for i, body in enumerate(array_of_tables(value, at, 10)):
        group = OriginGroup(**table_fields(body, at.item(i), {
            "id": string,
            "primary": member,
            "secondary": member,
            "failover_status_codes": _failover_codes,
        }, ("id", "primary", "secondary")))
        _unique(group.id, at.item(i).field("id"), ids, "an id")
        if group.secondary == group.primary:
            raise at.item(i).field("secondary").wrong("an origin other than primary", group.primary)
        groups[group.id] = group
    return groups


def _behaviors(data: dict[str, Any], top: At, names: _Names) -> tuple[Behavior, ...]:
    """The ordered behaviors, then the default one as the last, with pattern "*" (spec §4.1)."""
    at = top.field("behaviors")
    behaviors = []
    patterns: dict[Any, str] = {"*": "default_behavior"}
    for i, body in enumerate(array_of_tables(data.get("behaviors", []), at, 75)):
        behavior = _behavior(body, at.item(i), names, None)
        _unique(behavior.path_pattern, at.item(i).field("path_pattern"), patterns, "a pattern")
        behaviors.append(behavior)
    behaviors.append(_behavior(data["default_behavior"], top.field("default_behavior"), names, "*"))
    return tuple(behaviors)


def _custom_error_responses(value: object, at: At) -> dict[int, CustomErrorResponse]:
    errors: dict[int, CustomErrorResponse] = {}
    codes: dict[Any, str] = {}
    for i, body in enumerate(array_of_tables(value, at, len(_ERROR_CODES))):
        error = _custom_error_response(body, at.item(i))
        _unique(error.error_code, at.item(i).field("error_code"), codes, "an error code")
        errors[error.error_code] = error
    return errors


_NODE_SECTIONS: tuple[tuple[str, Literal["pop", "rec"]], ...] = (
    ("regional_caches", "rec"),  # first: PoPs name them as parents
    ("pops", "pop"),
)


def _nodes(
    data: dict[str, Any], top: At, ids: dict[Any, str], ports: dict[Any, str]
) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for section, kind in _NODE_SECTIONS:
        at = top.field(section)
        recs = {n: n for n in nodes}
        for i, body in enumerate(array_of_tables(data.get(section, []), at)):
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
    """The world of `config` in front of the user's own app (`edgesim up --origin URL`), with
    no sample origin started.

    The default world's distribution is the sample site's: in front of the app only the network
    is kept (nodes, front door, control plane, host, logs, latency, viewer location) and the
    distribution's id and domain name. Everything else it says is the site's and goes: its
    origins, behaviors, policies, functions, signed-URL key groups, custom error pages and
    function quotas. The app gets a plain distribution with CloudFront's defaults: one origin
    `app` and one default behavior that honours the app's own Cache-Control (nothing is cached
    that the app does not mark cacheable) and forwards every viewer header, `Host` too since
    the cache policy keys on it (as the distribution's domain name: edge.http.host).

    A config file of the user's own (`--config FILE --origin URL`) says what the user wants, so
    all of it is kept and `--origin` only replaces the url of its one origin; with more origins
    which one is meant is unclear, an error.
    """
    from edge.managed_policies import (  # built from the dataclasses above
        MANAGED_CACHE_POLICIES,
        MANAGED_ORIGIN_REQUEST_POLICIES,
    )

    at = At("command line", "--origin")
    origin_url = _origin_url(url, at)
    parts = urlsplit(origin_url)
    own = [(node.id, node.port) for node in config.nodes.values()]
    if config.front_door is not None:
        own.append(("front door", config.front_door.port))
    if config.control_plane is not None:
        own.append(("control plane", config.control_plane.port))
    for name, port in own:
        if parts.port == port and _is_local(parts.hostname or "", config.host):
            raise at.wrong(f"an address other than edgesim's own {name} (:{port})", url)
    dist = config.distribution
    if not _is_default_world(config):
        if len(dist.origins) != 1:
            raise ConfigError(
                config.source, "origins",
                f"a single origin for --origin to point at {origin_url} (with more, set the "
                f"url of each in {config.source} instead of passing --origin)",
                f"{len(dist.origins)} origins ({quoted_names(list(dist.origins))})",
            )
        (origin,) = dist.origins.values()
        origins = {origin.id: replace(origin, url=origin_url)}
        return replace(config, distribution=replace(dist, origins=origins), origin_server=None)
    app = Origin("app", origin_url)
    behavior = Behavior(
        path_pattern="*",
        target_origin=app.id,
        cache_policy=MANAGED_CACHE_POLICIES["UseOriginCacheControlHeaders-QueryStrings"],
        origin_request_policy=MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"],
        allowed_methods=ALL_METHODS,
        compress=True,
    )
    distribution = Distribution(
        id=dist.id, domain_name=dist.domain_name, origins={app.id: app}, origin_groups={},
        behaviors=(behavior,),
    )
    return replace(config, distribution=distribution, origin_server=None)


def _is_default_world(config: Config) -> bool:
    """Read from the embedded default world (named by `--config` or not)."""
    try:
        return Path(config.source).resolve() == Path(default_config_path()).resolve()
    except OSError:
        return False


def with_pops(config: Config, selection: str) -> Config:
    """The world of `config` with only some PoPs (`edgesim up --pops`), for small machines:
    `selection` is a count (the first N, in the config's order) or comma-separated PoP ids.
    The regional caches no chosen PoP fetches through are left out too."""
    at = At("command line", "--pops")
    pops = {n.id: n for n in config.pops}
    text = selection.strip()
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= len(pops):
            raise at.wrong(f"a number of PoPs from 1 to {len(pops)}", selection)
        chosen = list(pops)[:count]
    else:
        chosen = [name.strip() for name in text.split(",") if name.strip()]
        if not chosen:
            raise at.wrong("a number or comma-separated PoP ids", selection)
        for name in chosen:
            if name not in pops:
                raise at.wrong(f"PoP ids of the config ({choices(name, pops)})", name)
    parents = {pops[name].parent for name in chosen}
    parents |= {o.origin_shield for o in config.distribution.origins.values()}
    nodes = {
        node_id: node for node_id, node in config.nodes.items()
        if node_id in chosen or (node.kind == "rec" and node_id in parents)
    }
    return replace(config, nodes=nodes)


def _is_local(host: str, bind_host: str) -> bool:
    """Would a request to `host` reach a node bound to `bind_host` on this machine?"""
    if host in (bind_host, "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
