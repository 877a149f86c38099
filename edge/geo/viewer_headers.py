"""The `CloudFront-Viewer-*` header values for one request (spec §5.2).

All of them, computed once; which ones a request carries is for its cache and origin request
policies to say.
"""

from __future__ import annotations

from urllib.parse import quote

from edge.geo.locations import Location

__all__ = ["viewer_headers"]

# Header → Location attribute, for the values copied as they are (non-ASCII percent-encoded).
TEXT_HEADERS = {
    "CloudFront-Viewer-Country": "country_code",
    "CloudFront-Viewer-Country-Name": "country_name",
    "CloudFront-Viewer-Country-Region": "region_code",
    "CloudFront-Viewer-Country-Region-Name": "region_name",
    "CloudFront-Viewer-City": "city",
    "CloudFront-Viewer-Postal-Code": "postal_code",
    "CloudFront-Viewer-Time-Zone": "time_zone",
}


def _header_value(text: str) -> str:
    # §5.2: non-ASCII values are percent-encoded (UTF-8), the whole value, spaces included.
    return text if text.isascii() else quote(text, safe="")


def viewer_headers(
    ip: str, port: int, http_version: str, location: Location | None
) -> dict[str, str]:
    """Header name → value; headers whose value is unknown are left out."""
    # The port follows the address after one more colon, for IPv6 too (no brackets).
    headers = {
        "CloudFront-Viewer-Address": f"{ip}:{port}",
        "CloudFront-Viewer-Http-Version": http_version,
    }
    if location is None:
        return headers
    for name, attribute in TEXT_HEADERS.items():
        value = getattr(location, attribute)
        if value:
            headers[name] = _header_value(value)
    if location.metro_code is not None and location.country_code == "US":
        headers["CloudFront-Viewer-Metro-Code"] = str(location.metro_code)
    if location.latitude is not None and location.longitude is not None:
        headers["CloudFront-Viewer-Latitude"] = f"{location.latitude:.5f}"
        headers["CloudFront-Viewer-Longitude"] = f"{location.longitude:.5f}"
    if location.asn is not None:
        headers["CloudFront-Viewer-ASN"] = str(location.asn)
    return headers
