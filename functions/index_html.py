"""Directory URLs get their index page: a viewer-request function (the README's first example).

`/docs/` becomes `/docs/index.html` before the cache lookup, so both URLs share one cached
object and the origin never sees a request for a directory.
"""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].endswith("/"):
        request["uri"] += "index.html"
    return request
