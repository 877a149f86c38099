"""Choose the origin per request: an origin-request function that sends viewers from some
countries, or requests with an `X-Origin-Region` header, to another origin.

Origins changed here need not be declared in the distribution. Set the Host header to the new
origin's name too, as CloudFront sends the Host it had chosen for the original one. Viewers of
one region must not get another region's copy from the cache: if the origins serve different
content, name CloudFront-Viewer-Country and X-Origin-Region in the cache policy; if they are
replicas of one site (the usual case: the nearest copy), the origin request policy is enough.
"""

# Region -> origin. The sample world's stand-in for a European origin is the sample origin's
# echo, so that you can see where the request arrived; point it at a real host.
ORIGINS = {
    "eu": {"domainName": "localhost", "port": 8000, "path": "/api/echo"},
}
COUNTRY_REGIONS = {"DE": "eu", "FR": "eu", "GB": "eu", "IE": "eu", "NL": "eu"}
OVERRIDE_HEADER = "x-origin-region"


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    region = None
    if OVERRIDE_HEADER in headers:
        region = headers[OVERRIDE_HEADER][0]["value"]
    elif "cloudfront-viewer-country" in headers:
        region = COUNTRY_REGIONS.get(headers["cloudfront-viewer-country"][0]["value"])
    origin = ORIGINS.get(region)
    if origin is None:
        return request
    request["origin"] = {"custom": {
        "domainName": origin["domainName"],
        "port": origin["port"],
        "protocol": "http" if origin["port"] != 443 else "https",
        "path": origin["path"],
        "sslProtocols": ["TLSv1.2"],
        "readTimeout": 30,
        "keepaliveTimeout": 5,
        "customHeaders": {},
    }}
    host = origin["domainName"] if origin["port"] in (80, 443) else \
        f"{origin['domainName']}:{origin['port']}"
    headers["host"] = [{"key": "Host", "value": host}]
    return request
