"""The world's configuration: a distribution and its topology, read from one TOML file.

`model` holds the frozen dataclasses, `checks` the value readers with located errors, and
`loader` the TOML sections; everything a caller needs is importable from here.
"""

from edge.config.checks import ConfigError
from edge.config.lambda_regions import lambda_region
from edge.config.loader import (
    default_config_path,
    load_config,
    parse_config,
    with_origin,
    with_pops,
)
from edge.config.model import (
    ALL_METHODS,
    ALLOWED_METHOD_SETS,
    Behavior,
    CachePolicy,
    CacheSemanticsName,
    Config,
    ControlPlane,
    CustomErrorResponse,
    Distribution,
    FrontDoor,
    FunctionAssociation,
    FunctionAssociations,
    FunctionLimits,
    KeyParameters,
    Latency,
    Node,
    Origin,
    OriginGroup,
    OriginRequestPolicy,
    OriginServer,
)
from edge.config.reloading import topology_changes
from edge.config.signing import KeyGroup, TrustedKeyGroups

__all__ = [
    "ALLOWED_METHOD_SETS",
    "ALL_METHODS",
    "Behavior",
    "CachePolicy",
    "CacheSemanticsName",
    "Config",
    "ConfigError",
    "ControlPlane",
    "CustomErrorResponse",
    "Distribution",
    "FrontDoor",
    "FunctionAssociation",
    "FunctionAssociations",
    "FunctionLimits",
    "KeyGroup",
    "KeyParameters",
    "Latency",
    "Node",
    "Origin",
    "OriginGroup",
    "OriginRequestPolicy",
    "OriginServer",
    "TrustedKeyGroups",
    "default_config_path",
    "lambda_region",
    "load_config",
    "parse_config",
    "topology_changes",
    "with_origin",
    "with_pops",
]
