"""Normalise query strings for a better cache hit ratio: a viewer-request function.

`?Page=2&color=red&utm_source=mail` and `?color=red&page=2` ask for the same thing; as they
come, they are two cache keys and two trips to the origin. This function lower-cases the
parameter names, drops the ones the origin does not use (tracking tags, cache busters) and sorts
the rest, before CloudFront computes the cache key. Values are left as they are: they may be
case-sensitive.
"""

# The parameters the origin uses; every other one is dropped.
KNOWN_PARAMETERS = frozenset({"category", "color", "page", "q", "sort"})


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    pairs = []
    for pair in request["querystring"].split("&"):
        name, separator, value = pair.partition("=")
        name = name.lower()
        if name in KNOWN_PARAMETERS:
            pairs.append(f"{name}{separator}{value}")
    request["querystring"] = "&".join(sorted(pairs))
    return request
