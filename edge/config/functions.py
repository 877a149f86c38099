"""The `functions` table of a behavior and the `[edge_functions]` limits (spec §1.1, §2.3).

    [behaviors.functions.viewer-request]
    handler = "functions/redirect.py"      # FILE.py[:FUNCTION] or MODULE[:FUNCTION]
    include_body = false                   # request triggers only
    timeout = 5                            # seconds; the trigger's quota is the default and most
    memory_size = 128                      # MB
    max_concurrency = 1000
    mode = "isolated"                      # or "inline": trusted code inside the node

A function is named after its handler's file or module (plus `-FUNCTION` when that is not
`handler`) unless `name` says otherwise; one name is one function, so the same handler on two
behaviors is one function with one log and one meter, as one Lambda version associated twice.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from edge.config.checks import At, Parse, boolean, choice, integer, number, string, table_fields
from edge.config.model import FunctionAssociation, FunctionAssociations, FunctionLimits
from edge.runtime.events import EventType
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.handler import HandlerSpec

__all__ = ["FunctionCatalog", "function_associations", "function_limits"]

_TRIGGERS = {event_type.value: event_type for event_type in EventType}


class FunctionCatalog:
    """The functions named so far in one file: a name means one handler with one setting."""

    def __init__(self, base: Path) -> None:
        self.base = base  # handler files are relative to the config file's directory
        self.functions: dict[str, tuple[EdgeFunction, At]] = {}

    def add(self, function: EdgeFunction, at: At) -> None:
        known = self.functions.get(function.name)
        if known is None:
            self.functions[function.name] = (function, at)
        elif known[0] != function:
            raise at.field("name").fail(
                f"a name not used by another handler, trigger or setting ({known[1].key} "
                f"already defines {function.name!r}; set `name`)",
                repr(function.name),
            )


def function_associations(value: object, at: At, catalog: FunctionCatalog) -> FunctionAssociations:
    if not isinstance(value, dict):
        raise at.wrong("table of triggers (viewer-request, origin-request, origin-response, "
                       "viewer-response)", value)
    associations = {}
    for trigger, body in table_fields(value, at, dict.fromkeys(_TRIGGERS, _table)).items():
        event_type = _TRIGGERS[trigger]
        association = _association(body, at.field(trigger), event_type, catalog)
        associations[event_type.name.lower()] = association
    return FunctionAssociations(**associations)


def _table(value: object, at: At) -> object:
    if not isinstance(value, dict):
        raise at.wrong("table (handler = ..., and optional settings)", value)
    return value


def _association(
    value: dict[str, object], at: At, event_type: EventType, catalog: FunctionCatalog
) -> FunctionAssociation:
    parsers: dict[str, Parse] = {
        "handler": lambda v, a: _handler(v, a, catalog.base),
        "name": string,
        "timeout": number(0.001, 30),
        "memory_size": integer(128, 10240),
        "max_concurrency": integer(1),
        "mode": choice(*(mode.value for mode in Mode)),
    }
    if event_type.is_request:
        parsers["include_body"] = boolean
    fields = table_fields(value, at, parsers, ("handler",))
    spec: HandlerSpec = fields.pop("handler")
    include_body = fields.pop("include_body", False)
    name = fields.pop("name", None) or spec.function_name
    try:
        function = EdgeFunction(name=name, handler=spec, event_type=event_type,
                                **{k: Mode(v) if k == "mode" else v for k, v in fields.items()})
    except ValueError as error:
        setting = str(error).split(" ", 1)[0]
        where = at.field(setting if setting in parsers else "name")
        raise where.fail(str(error).split(": ", 1)[-1], repr(fields.get(setting, name))) from None
    catalog.add(function, at)
    return FunctionAssociation(function, include_body)


def _handler(value: object, at: At, base: Path) -> HandlerSpec:
    text = string(value, at)
    try:
        spec = HandlerSpec.parse(text)
    except ValueError as error:
        raise at.fail("FILE.py[:FUNCTION] or MODULE[:FUNCTION]", str(error)) from None
    if spec.path is not None:
        path = (base / spec.path).resolve()
        if not path.is_file():
            raise at.fail("an existing handler file (relative to the config file)",
                          f"no such file: {spec.path}")
        return spec._replace(path=str(path))
    try:
        found = importlib.util.find_spec(str(spec.module))
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise at.fail("an importable module", f"no module named {spec.module!r}")
    return spec


def function_limits(value: object, at: At) -> FunctionLimits:
    return FunctionLimits(**table_fields(value, at, {
        "concurrency": integer(1, 100_000),
        "idle_timeout": number(1, 86_400),
    }))
