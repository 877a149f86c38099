"""Redirect viewers to their country's site: an origin-request function reading
CloudFront-Viewer-Country.

CloudFront adds that header only when a policy names it, and after the viewer-request event, so
this runs at origin-request. A redirect made here is cached like an origin response, and the
cache key is computed before this function runs: the behavior's *cache policy* must name
CloudFront-Viewer-Country, so that each country has its own cached answer. (Named only in an
origin request policy, the first viewer's redirect would be served to every country.)
"""

# Country (ISO 3166-1 alpha-2) -> the site its viewers are sent to; everyone else is served
# here.
COUNTRY_SITES = {
    "DE": "https://www.example.de",
    "AT": "https://www.example.de",
    "FR": "https://www.example.fr",
    "JP": "https://www.example.jp",
}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    country = request["headers"].get("cloudfront-viewer-country")
    site = COUNTRY_SITES.get(country[0]["value"]) if country else None
    if site is None:
        return request
    location = site + request["uri"]
    if request["querystring"]:
        location += "?" + request["querystring"]
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {
            "location": [{"key": "Location", "value": location}],
            # Cached at the edge (per country), but kept briefly: visitors move.
            "cache-control": [{"key": "Cache-Control", "value": "max-age=3600"}],
        },
    }
