"""Security headers on every response: an origin-response function.

At origin-response the headers are added once per object and cached with it, so hits cost no
invocation; and unlike viewer-response, origin-response also runs on the origin's 4xx and 5xx
answers, so error pages get them too. A header the origin sets itself is kept: the origin may
know better (a page-specific Content-Security-Policy, say).
"""

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # Everything from this site only (images also from data: URLs), no plugins, no framing.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'self'; frame-ancestors 'none'",
}


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name.lower(), [{"key": name, "value": value}])
    return response
