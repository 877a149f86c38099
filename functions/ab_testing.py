"""A/B testing on /experiment/: each viewer gets one variant of the page, and keeps it.

Two Lambda@Edge functions from this one file, on the same cache behavior:
  viewer-request  -> ab_testing.viewer_request
  viewer-response -> ab_testing.viewer_response

The viewer-request function picks the viewer's bucket (from the cookie, or at random by
WEIGHTS) and rewrites the page's URI to the bucket's variant. Because CloudFront computes the
cache key after the viewer-request function, the rewritten URI *is* the cache key: each variant
is fetched and cached once, and the cache policy needs neither the cookie nor a header (keying
on the cookie would only split the cache further). The viewer-response function sets the cookie
for viewers who have just been assigned, so they stay in their bucket.

For QA, `?bucket=b` or the header `X-Experiment-Bucket: b` forces a bucket without changing the
viewer's cookie.
"""

import random

# Bucket -> weight (any positive numbers; 50/50 here). Lambda@Edge has no environment
# variables, so the experiment is configured here. A viewer whose cookie names a bucket that is
# no longer listed is assigned again.
WEIGHTS = {"a": 50, "b": 50}
PAGES = ("/experiment/", "/experiment/index.html")  # the URIs that have variants
VARIANT_URI = "/experiment/{}.html"
COOKIE = "experiment-bucket"
COOKIE_ATTRIBUTES = "Path=/experiment/; Max-Age=2592000; SameSite=Lax"  # 30 days
OVERRIDE_PARAMETER = "bucket"
OVERRIDE_HEADER = "x-experiment-bucket"
# How the request function tells the response function about a new assignment: a request
# header, which viewer-response events see, and which the cache and origin request policies
# must not forward (they name no headers on this behavior).
ASSIGNED_HEADER = "x-experiment-assigned"


def viewer_request(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    headers.pop(ASSIGNED_HEADER, None)  # only this function may say so
    if request["uri"] not in PAGES:
        return request
    bucket = _override(request)
    if bucket is None:
        bucket = _cookie(headers, COOKIE)
        if bucket not in WEIGHTS:
            bucket = random.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
            headers[ASSIGNED_HEADER] = [{"key": "X-Experiment-Assigned", "value": bucket}]
    request["uri"] = VARIANT_URI.format(bucket)
    return request


def viewer_response(event, context):
    cf = event["Records"][0]["cf"]
    response = cf["response"]
    assigned = cf["request"]["headers"].get(ASSIGNED_HEADER)
    if assigned:
        cookie = f"{COOKIE}={assigned[0]['value']}; {COOKIE_ATTRIBUTES}"
        response["headers"].setdefault("set-cookie", []).append(
            {"key": "Set-Cookie", "value": cookie})
    return response


def _override(request):
    """The bucket QA asked for, if it is one of ours."""
    for pair in request["querystring"].split("&"):
        name, _, value = pair.partition("=")
        if name == OVERRIDE_PARAMETER and value in WEIGHTS:
            return value
    header = request["headers"].get(OVERRIDE_HEADER)
    if header and header[0]["value"] in WEIGHTS:
        return header[0]["value"]
    return None


def _cookie(headers, name):
    """The value of cookie `name`; CloudFront may pass several Cookie headers."""
    for header in headers.get("cookie", []):
        for pair in header["value"].split(";"):
            key, _, value = pair.strip().partition("=")
            if key == name:
                return value
    return None
