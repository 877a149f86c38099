"""A response made at the edge, with no origin: a viewer-request function.

CloudFront never caches what a viewer-request function returns, so the page is made afresh for
every request, at the PoP nearest the viewer: good for small, personal, or always-available
answers (a status page, a `robots.txt`, a maintenance notice). The body must stay under 40 KB.
"""

import html
import time

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Made at the edge</title></head>
<body>
  <h1>Made at the edge</h1>
  <p>No origin was asked for this page: an edge function wrote it at {time}.</p>
  <p>Your address, as the edge saw it: {client_ip}.</p>
  <p>Request id: {request_id}</p>
</body>
</html>
"""


def handler(event, context):
    cf = event["Records"][0]["cf"]
    body = PAGE.format(
        time=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        client_ip=html.escape(cf["request"]["clientIp"]),
        request_id=html.escape(cf["config"]["requestId"]),
    )
    return {
        "status": "200",
        "statusDescription": "OK",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
        "body": body,
    }
