"""A simple bot blocker: a viewer-request function refusing known bad user agents (403) and
viewers that send too many requests (429).

The request counts live in this module, so they belong to one execution environment. Lambda
runs many environments of a function, in every Region, and each counts on its own: a viewer
spread over several environments may send several times RATE_LIMIT before one of them says
no. That is a cheap first line against crude bots; a real limit needs a shared store or AWS WAF.
"""

import re
import time

BLOCKED_AGENTS = re.compile(r"AhrefsBot|MJ12bot|SemrushBot|DotBot|PetalBot|masscan|zgrab",
                            re.IGNORECASE)
RATE_LIMIT = 20       # requests per viewer address...
WINDOW_SECONDS = 10   # ...in a window that starts with the viewer's first request
TRACKED_VIEWERS = 10_000  # the most addresses one environment remembers

# Viewer address -> (start of its window, requests in it). Module state outlives the
# invocation: it is kept while this environment stays warm.
windows = {}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    agent = request["headers"].get("user-agent", [{"value": ""}])[0]["value"]
    if not agent or BLOCKED_AGENTS.search(agent):  # browsers always send one
        return _refuse("403", "Forbidden", "Automated clients are not welcome here.\n", {})
    now = time.monotonic()
    start, count = windows.get(request["clientIp"], (now, 0))
    if now - start >= WINDOW_SECONDS:
        start, count = now, 0
    if count >= RATE_LIMIT:
        retry_after = str(int(start + WINDOW_SECONDS - now) + 1)
        headers = {"retry-after": [{"key": "Retry-After", "value": retry_after}]}
        return _refuse("429", "Too Many Requests", "Too many requests; slow down.\n", headers)
    if len(windows) >= TRACKED_VIEWERS:
        _forget_finished(now)
    windows[request["clientIp"]] = (start, count + 1)
    return request


def _forget_finished(now):
    """Keep the memory bounded: drop the windows that are over (or all, if none is)."""
    finished = [ip for ip, (start, _) in windows.items() if now - start >= WINDOW_SECONDS]
    for ip in finished or list(windows):
        del windows[ip]


def _refuse(status, description, message, headers):
    headers["content-type"] = [{"key": "Content-Type", "value": "text/plain"}]
    headers["cache-control"] = [{"key": "Cache-Control", "value": "no-store"}]
    return {"status": status, "statusDescription": description, "headers": headers,
            "body": message}
