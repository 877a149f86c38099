"""`edgesim invoke`: run an edge function once on one event, as a node runs it.

The event comes from a file (AWS's sample events are completed by `sample_events`) or from
options describing the request. The function runs through `runner.invoke`, in a real execution
environment unless `--mode inline`, so its timeout, crashes, log and REPORT line are the ones a
node would see. stdout gets what CloudFront would continue with (the accepted request or
response, as JSON); stderr the function's log and, when CloudFront would reject the invocation,
the status it would answer and the error's name.

Exit status: 0 when CloudFront would accept the result, 1 when the function failed, 2 for a
usage mistake or an event file that cannot stand for a CloudFront event.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import re
import sys
from base64 import b64encode
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.runtime.events import EventType
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.handler import HandlerSpec
from edge.runtime.headers import cf_headers, is_disallowed
from edge.runtime.sample_events import METHODS, EventError, complete_event
from edge.runtime.testing import CLIENT_IP, HEADERS, default_headers, origin_headers
from edge.runtime.validation import AcceptedRequest, AcceptedResponse

if TYPE_CHECKING:
    from edge.runtime.runner import InvocationResult

__all__ = ["EXIT_FUNCTION_ERROR", "EXIT_USAGE", "add_arguments", "invoke_command"]

EXIT_FUNCTION_ERROR = 1
EXIT_USAGE = 2

Event = dict[str, Any]
Pairs = tuple[tuple[str, str], ...]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a header name (RFC 9110 §5.6.2)
# The options that describe the request; an event file describes it instead.
_REQUEST_OPTIONS = {
    "uri": "--uri",
    "method": "--method",
    "header": "--header",
    "client_ip": "--client-ip",
    "querystring": "--querystring",
    "body": "--body",
    "include_body": "--include-body",
    "status": "--status",
}


class UsageError(Exception):
    """A mistake in the command line or the event file: reported in one line, exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `edgesim invoke`, on the subcommand's parser."""
    parser.add_argument(
        "handler", metavar="FILE[:FUNC]",
        help="the handler: a .py file relative to the current directory (or a module), and "
             "its function (default: handler)",
    )
    parser.add_argument("--event-type", choices=[t.value for t in EventType],
                        help="the trigger; default: the event file's cf.config.eventType")
    from_file = parser.add_argument_group("the event from a file")
    from_file.add_argument(
        "--event", metavar="FILE",
        help='a {"Records": [{"cf": ...}]} document, such as the Lambda console\'s CloudFront '
             "samples; optional fields it leaves out are filled in as CloudFront sends them",
    )
    options = parser.add_argument_group("the event from options (without --event)")
    options.add_argument("--uri", type=_uri, help="path, and ?query if any (default: /)")
    options.add_argument("--querystring", metavar="QUERY", help="the query string, without '?'")
    options.add_argument("--method", type=str.upper, choices=METHODS, help="default: GET")
    options.add_argument(
        "--header", type=_header, action="append", metavar="'NAME: VALUE'",
        help="a request header, repeatable; replaces the default one of that name (defaults, "
             "viewer triggers: " + ", ".join(f"{name}: {value}" for name, value in HEADERS)
             + "; origin triggers, what a PoP sends: "
             + ", ".join(f"{name}: {value}" for name, value in origin_headers()) + ")",
    )
    options.add_argument("--client-ip", type=_client_ip, metavar="IP",
                         help=f"the viewer's address (default: {CLIENT_IP})")
    options.add_argument("--include-body", action="store_true",
                         help="show the request body to the function (request triggers)")
    options.add_argument("--body", type=_body, metavar="TEXT|@FILE",
                         help="the request body, with --include-body")
    options.add_argument("--status", type=_status,
                         help="the origin's status, for response triggers (default: 200)")
    settings = parser.add_argument_group("the function")
    settings.add_argument("--timeout", type=float, metavar="SECONDS",
                          help="default and most: 5 for viewer triggers, 30 for origin ones")
    settings.add_argument("--memory-size", type=int, metavar="MB",
                          help="default 128; at most 128 for viewer triggers, 10240 for origin")
    settings.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.ISOLATED.value,
                          help="isolated (default): its own execution environment, as on a node; "
                               "inline: inside this process, without memory limits")


def invoke_command(args: argparse.Namespace) -> int:
    """Run the function once and print the outcome; returns the exit status."""
    try:
        event_type, event = _event(args)
        function = _function(args, event_type)
    except UsageError as error:
        print(f"edgesim invoke: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    result = asyncio.run(_invoke_once(function, event))
    sys.stderr.write(result.log)
    sys.stderr.flush()
    outcome = result.outcome
    if isinstance(outcome, AcceptedRequest):
        print(json.dumps(outcome.request, indent=2))
        return 0
    if isinstance(outcome, AcceptedResponse):
        print(json.dumps(outcome.response, indent=2))
        return 0
    answer = outcome.response
    print(f"edgesim: CloudFront would answer {answer.status} (X-Cache: {answer.x_cache})",
          file=sys.stderr)
    print(f"edgesim: {outcome.failure}: {outcome.reason}", file=sys.stderr)
    return EXIT_FUNCTION_ERROR


async def _invoke_once(function: EdgeFunction, event: Event) -> InvocationResult:
    # Imported here: the runner brings in the pools, which the other commands do not need.
    from edge.runtime.runner import DeployedFunction, invoke

    deployed = DeployedFunction(function)
    try:
        return await invoke(deployed, event)
    finally:
        await deployed.close()


def _event(args: argparse.Namespace) -> tuple[EventType, Event]:
    """The event type and the complete event, from the event file or from the options."""
    given = EventType(args.event_type) if args.event_type else None
    if args.event is not None:
        for attribute, option in _REQUEST_OPTIONS.items():
            if getattr(args, attribute) not in (None, False):
                raise UsageError(f"{option} cannot be combined with --event; edit the event "
                                 "file instead")
        event = _complete(_read_event(args.event), given, args.event)
        return EventType(event["Records"][0]["cf"]["config"]["eventType"]), event
    if given is None:
        raise UsageError("give --event-type, or an --event file whose cf.config.eventType "
                         "names it")
    return given, _complete(_event_from_options(args, given), given, None)


def _read_event(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not JSON ({error})") from None


def _complete(document: Any, event_type: EventType | None, path: str | None) -> Event:
    """`path` names the event file; None when the options described the event."""
    try:
        return complete_event(document, event_type)
    except EventError as error:
        raise UsageError(f"{path}: {error}" if path else error.problem) from None


def _event_from_options(args: argparse.Namespace, event_type: EventType) -> Any:
    """The options as an event document: what they leave out is completed like a file's."""
    uri, querystring = args.uri or "/", args.querystring
    if "?" in uri:
        if querystring is not None:
            raise UsageError("--uri has a query and --querystring gives one too; use one")
        uri, _, querystring = uri.partition("?")
    request: Event = {
        "headers": cf_headers(_with_defaults(
            default_headers(event_type, args.client_ip or CLIENT_IP), args.header or [])),
        "method": args.method or "GET",
        "querystring": querystring or "",
        "uri": uri,
    }
    if args.client_ip is not None:
        request["clientIp"] = args.client_ip
    cf: Event = {"request": request}
    if event_type.is_request:
        if args.status is not None:
            raise UsageError(f"--status is for response triggers, not {event_type}")
        if args.include_body:
            request["body"] = {"data": b64encode(args.body or b"").decode("ascii")}
        elif args.body is not None:
            raise UsageError("--body is shown to the function only with --include-body")
    elif args.include_body or args.body is not None:
        raise UsageError(f"--include-body and --body are for request triggers, not {event_type}")
    else:
        cf["response"] = {"status": str(args.status or 200)}
    return {"Records": [{"cf": cf}]}


def _with_defaults(defaults: Pairs, headers: list[tuple[str, str]]) -> Pairs:
    """The default headers, each replaced by the given ones of the same name, as curl does."""
    given = {name.lower() for name, _ in headers}
    return (*((n, v) for n, v in defaults if n.lower() not in given), *headers)


def _function(args: argparse.Namespace, event_type: EventType) -> EdgeFunction:
    try:
        spec = HandlerSpec.parse(args.handler)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if spec.module is not None:
        # The current directory is the function's code, as /var/task is on Lambda.
        sys.path.insert(0, os.getcwd())
    settings: dict[str, Any] = {"mode": Mode(args.mode)}
    if args.timeout is not None:
        settings["timeout"] = args.timeout
    if args.memory_size is not None:
        settings["memory_size"] = args.memory_size
    try:
        return EdgeFunction(spec.function_name, spec, event_type, **settings)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _uri(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"expected a path starting with '/', got {text!r}")
    return text


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not _TOKEN.fullmatch(name):
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    if is_disallowed(name.lower()):
        raise argparse.ArgumentTypeError(f"{name}: CloudFront never shows this header to "
                                         "functions")
    return name, value.strip()


def _client_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        message = f"expected an IPv4 or IPv6 address, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def _body(text: str) -> bytes:
    if not text.startswith("@"):
        return text.encode()
    try:
        return Path(text[1:]).read_bytes()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{text[1:]}: {error.strerror or error}") from None


def _status(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 200 <= int(text) <= 599):
        raise argparse.ArgumentTypeError(f"expected a status from 200 to 599, got {text!r}")
    return int(text)
