"""Resized images, part 1 of 2: the viewer-request function on /images/*.

It turns the URL options of an image request into one canonical URI, so that every request
that asks for the same picture shares one cached variant:

    /images/astronaut.jpg?width=200&dpr=2&format=auto&utm_source=mail
    Accept: image/avif,image/webp,image/apng,*/*
      -> /images/_v/w400-q80-auto-avif/astronaut.jpg     Accept: image/avif

CloudFront computes the cache key after this function, so the rewritten URI is the key: the
query string is dropped (unknown options with it), dpr is multiplied into width and height,
sizes are rounded up to a multiple of SIZE_STEP and quality to a multiple of QUALITY_STEP, fit
is dropped when only one side is given, and for format=auto the viewer's Accept is replaced
by the one type chosen. The cache policy keys on that Accept header too: it adds nothing to
the key (the URI names the format already), but CloudFront passes a `Vary` header to viewers
only for headers it forwards, and negotiated variants answer with `Vary: Accept`.

The resizing itself is done by image_resize.py, on origin-request. A request with no option
goes to the origin untouched, and gets the original. Bad options are answered here with a 400
and a line that says what is wrong, before anything is cached or fetched.
"""

import math
from urllib.parse import parse_qsl

try:
    # AVIF only where the origin-request function's Pillow can write it. On AWS this package
    # has no Pillow (viewer triggers allow 1 MB of code): there, set AVIF by hand.
    from PIL import features

    AVIF = bool(features.check("avif"))
except ImportError:
    AVIF = False

PREFIX = "/images/"
VARIANTS = "/images/_v/"  # the canonical URIs; only this function makes them
FITS = ("cover", "contain", "fill", "inside", "outside")
# Format name -> media type, in the order format=auto prefers them.
FORMATS = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
if not AVIF:
    del FORMATS["avif"]
ALIASES = {"jpg": "jpeg"}
MAX_SIDE = 2500  # pixels, after dpr
MAX_PIXELS = 4_000_000  # width x height of the box asked for
MAX_DPR = 4
SIZE_STEP = 10  # width=396 and width=400 are the same variant
QUALITY_STEP = 5
DEFAULT_QUALITY = 80
OPTIONS = {"width", "height", "fit", "format", "quality", "dpr"}


class BadOption(ValueError):
    """An option value this function refuses; the message goes to the viewer."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    uri = request["uri"]
    if uri.startswith(VARIANTS):
        return bad_request(f"{uri}: variant paths are made at the edge; ask for "
                           f"{PREFIX}NAME?width=...&format=... instead")
    options = dict(parse_qsl(request["querystring"]))
    request["querystring"] = ""
    if not uri.startswith(PREFIX) or not options.keys() & OPTIONS:
        # The original, as the origin has it: keep Accept out of its cache key too.
        request["headers"].pop("accept", None)
        return request
    try:
        variant, media_type = canonical(options, accept(request["headers"]), uri)
    except BadOption as error:
        return bad_request(f"{uri}: {error}")
    request["uri"] = VARIANTS + variant + "/" + uri[len(PREFIX):]
    request["headers"]["accept"] = [{"key": "Accept", "value": media_type}]
    return request


def canonical(options, accepted, uri):
    """The variant's name, e.g. `w400-h300-cover-q80-webp`, and its media type."""
    dpr = number(options, "dpr", 1, MAX_DPR, default=1)
    width = number(options, "width", 1, MAX_SIDE, default=None)
    height = number(options, "height", 1, MAX_SIDE, default=None)
    width, height = (None if side is None else scaled(side, dpr) for side in (width, height))
    if (width or 1) * (height or 1) > MAX_PIXELS:
        raise BadOption(f"{width}x{height} is more than {MAX_PIXELS:,} pixels")
    fit = options.get("fit", "cover")
    if fit not in FITS:
        raise BadOption(f"fit must be one of {', '.join(FITS)}, not {fit!r}")
    name = options.get("format", "auto").lower()
    name = ALIASES.get(name, name)
    negotiated = name == "auto"
    if negotiated:
        name = negotiate(accepted, "png" if uri.lower().endswith(".png") else "jpeg")
    elif name not in FORMATS:
        raise BadOption(f"format must be one of auto, {', '.join(FORMATS)}, not {name!r}")
    quality = number(options, "quality", 1, 100, default=DEFAULT_QUALITY)
    quality = min(100, QUALITY_STEP * math.ceil(quality / QUALITY_STEP))
    parts = []
    if width:
        parts.append(f"w{width}")
    if height:
        parts.append(f"h{height}")
    if width and height:
        parts.append(fit)  # with one side, every fit keeps the aspect ratio
    if name != "png":
        parts.append(f"q{quality}")  # PNG is lossless
    if negotiated:
        parts.append("auto")  # answered with Vary: Accept
    parts.append(name)
    return "-".join(parts), FORMATS[name]


def number(options, key, low, high, default):
    if key not in options:
        return default
    try:
        value = float(options[key])
    except ValueError:
        raise BadOption(f"{key} must be a number, not {options[key]!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise BadOption(f"{key} must be between {low} and {high}, not {options[key]}")
    return value


def scaled(side, dpr):
    pixels = SIZE_STEP * math.ceil(side * dpr / SIZE_STEP)
    if pixels > MAX_SIDE:
        raise BadOption(f"{pixels} pixels (with dpr) is more than {MAX_SIDE} on a side")
    return pixels


def accept(headers):
    return ",".join(h["value"] for h in headers.get("accept", [])).lower()


def negotiate(accepted, fallback):
    """The first of AVIF, WebP the viewer names in Accept; else `fallback`. A wildcard
    (`*/*`, `image/*`) does not count: browsers send it for formats they cannot show."""
    types = {part.split(";")[0].strip() for part in accepted.split(",")}
    for name, media_type in FORMATS.items():
        if name in ("avif", "webp") and media_type in types:
            return name
    return fallback


def bad_request(message):
    return {
        "status": "400",
        "statusDescription": "Bad Request",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/plain; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
        "body": message + "\n",
    }
