"""Serve a different object to mobile and tablet viewers: an origin-request function reading
CloudFront's device headers.

`/page.html` is fetched as `/mobile/page.html` for a phone, `/tablet/page.html` for a tablet,
and as it is for everyone else. The cache key is computed before this function runs, so the
behavior's cache policy must name CloudFront-Is-Mobile-Viewer and CloudFront-Is-Tablet-Viewer:
then each device class has its own cached object, and a desktop never gets the phone's.
"""

# Checked in order: a tablet is also a mobile viewer, so it comes first.
DEVICE_PREFIXES = (
    ("cloudfront-is-tablet-viewer", "/tablet"),
    ("cloudfront-is-mobile-viewer", "/mobile"),
)


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    for header, prefix in DEVICE_PREFIXES:
        if headers.get(header, [{"value": "false"}])[0]["value"] == "true":
            request["uri"] = prefix + request["uri"]
            break
    return request
