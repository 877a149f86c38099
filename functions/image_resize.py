"""Resized images, part 2 of 2: the origin-request function on /images/*.

image_variant.py (viewer-request) rewrites option URLs to canonical variant URIs such as
/images/_v/w400-h300-cover-q80-webp/astronaut.jpg. On a cache miss for one of them, this
function fetches the original (/images/astronaut.jpg) from the request's origin, resizes and
encodes it with Pillow, and returns the variant as a generated response, which CloudFront
caches like an origin's. It runs only on misses, at the node that contacts the origin, where
Lambda@Edge allows 30 s and up to 10 GB of memory (give it 1024 MB or more). Any other URI goes
to the origin as it is.

Fit, for a width and a height (as in sharp and CSS object-fit):
  cover    fill the box, crop what overflows (centred)    contain  fit in the box, pad the rest
  fill     stretch to the box                             inside   fit in the box, no padding
  outside  cover the box, no cropping
With one side only, the other follows the aspect ratio. EXIF orientation is applied, then the
metadata is dropped (the ICC colour profile is kept). Images may be enlarged.

Generated responses are limited to 1 MB (headers and body). A variant over that is encoded
again at the lower qualities of FALLBACK_QUALITIES; if it is still too big (or is a PNG), the
answer is a 302 to the original, with `X-Image-Fallback: original`. The original's
Cache-Control is kept on variants and on that redirect.

Errors, each a text/plain line, cached for ERROR_MAX_AGE: 400 for a variant bigger than the
limits once the original's aspect ratio is known, 404 when the origin has no such image, 502
when the origin fails or what it sends is not an image Pillow can read (or is a decompression
bomb: more than MAX_SOURCE_PIXELS), 504 when it does not answer within FETCH_TIMEOUT.
"""

import base64
import io
import re
import urllib.error
import urllib.request
import warnings

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError, features

VARIANT = re.compile(
    r"/images/_v/(?:w(?P<width>\d+)-)?(?:h(?P<height>\d+)-)?"
    r"(?:(?P<fit>cover|contain|fill|inside|outside)-)?(?:q(?P<quality>\d+)-)?"
    r"(?P<auto>auto-)?(?P<format>avif|webp|jpeg|png)/(?P<name>.+)"
)
SAVE_AS = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG", "png": "PNG"}
MEDIA_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
if not features.check("avif"):
    del SAVE_AS["avif"]
MAX_OUTPUT_PIXELS = 6_250_000  # 2500 x 2500; also bounds the scaled picture before a crop
MAX_SOURCE_PIXELS = 40_000_000
MAX_ORIGINAL_BYTES = 32 * 1024 * 1024
FETCH_TIMEOUT = 10  # seconds per connect or read; the function has 30 in all
MAX_BODY = 1024 * 1024 - 4096  # the 1 MB generated-response limit, less room for the headers
FALLBACK_QUALITIES = (60, 40)
DEFAULT_CACHE_CONTROL = "public, max-age=86400"  # when the origin sends none
ERROR_MAX_AGE = 10

# Pillow warns above MAX_IMAGE_PIXELS and refuses only above twice that: refuse at once.
Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)


class Refused(Exception):
    """A variant that cannot be made: the status and a line for the viewer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    match = VARIANT.fullmatch(request["uri"])
    if match is None:
        return request
    original = "/images/" + match["name"]
    if match["format"] not in SAVE_AS:
        return error("400", f"{original}: this Pillow cannot write {match['format']}")
    try:
        data, cache_control = fetch(request["origin"]["custom"], original)
        body, media_type = render(data, match)
    except Refused as refused:
        return error(refused.status, f"{original}: {refused}")
    if body is None:
        return respond("302", cache_control, {"Location": original, "X-Image-Fallback": "original"})
    headers = {"Content-Type": media_type}
    if match["auto"]:
        headers["Vary"] = "Accept"  # the same URL answers other viewers in another format
    return respond("200", cache_control, headers, base64.b64encode(body).decode())


def fetch(origin, path):
    """The original's bytes and Cache-Control, from the custom origin CloudFront would ask."""
    url = f"{origin['protocol']}://{origin['domainName']}:{origin['port']}{origin['path']}{path}"
    headers = {h["key"]: h["value"] for values in origin["customHeaders"].values() for h in values}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_ORIGINAL_BYTES + 1)
            cache_control = response.headers.get("Cache-Control", DEFAULT_CACHE_CONTROL)
    except urllib.error.HTTPError as failed:
        if failed.code in (403, 404):  # passed on: the viewer asked for a missing image
            raise Refused(str(failed.code), f"the origin answered {failed.code}") from None
        raise Refused("502", f"the origin answered {failed.code}") from None
    except OSError as failed:  # URLError is one; a connect timeout comes wrapped in it
        if isinstance(getattr(failed, "reason", failed), TimeoutError):
            raise Refused("504", f"the origin did not answer within {FETCH_TIMEOUT} s") from None
        raise Refused("502", f"the origin could not be reached: {failed}") from None
    if len(data) > MAX_ORIGINAL_BYTES:
        raise Refused("502", f"the original is over {MAX_ORIGINAL_BYTES:,} bytes")
    return data, cache_control


def render(data, match):
    """The encoded variant and its media type; body None when it will not fit in 1 MB."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only; checks the pixel count
        width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Refused("502", f"the original has more than {MAX_SOURCE_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError) as failed:
        raise Refused("502", f"the original is not an image Pillow can read ({failed})") from None
    turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    if turned:
        width, height = height, width
    scaled, box = geometry((width, height), match)
    if max(scaled[0] * scaled[1], box[0] * box[1]) > MAX_OUTPUT_PIXELS:
        raise Refused("400", f"the variant would be {scaled[0]}x{scaled[1]} pixels, over "
                             f"{MAX_OUTPUT_PIXELS:,}")
    # JPEG only: decode at 1/2, 1/4 or 1/8 scale when that is still at least `scaled`, which
    # saves most of the decoding time when shrinking a photo.
    image.draft(image.mode, scaled[::-1] if turned else scaled)
    icc_profile = image.info.get("icc_profile")
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    try:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGBA" if alpha else "RGB").resize(scaled, Image.Resampling.LANCZOS)
    except (OSError, ValueError) as failed:  # corrupt data shows only when decoding
        raise Refused("502", f"the original could not be decoded ({failed})") from None
    if box != scaled:
        image = fit_into(image, box, match["fit"])
    return encode(image, match["format"], int(match["quality"] or 0), icc_profile)


def geometry(size, match):
    """(size the whole picture is scaled to, size of the output): they differ for cover (the
    picture is cropped to the box) and contain (it is padded out to the box)."""
    width, height = size
    box_width, box_height = int(match["width"] or 0), int(match["height"] or 0)
    if not (box_width and box_height):
        scale = box_width / width if box_width else box_height / height if box_height else 1
        scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
        return scaled, scaled
    box = (box_width, box_height)
    if match["fit"] == "fill":
        return box, box
    choose = max if match["fit"] in ("cover", "outside") else min
    scale = choose(box_width / width, box_height / height)
    scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
    return scaled, (box if match["fit"] in ("cover", "contain") else scaled)


def fit_into(image, box, fit):
    if fit == "cover":
        left, top = (image.width - box[0]) // 2, (image.height - box[1]) // 2
        return image.crop((left, top, left + box[0], top + box[1]))
    # contain: padding is transparent where the picture has alpha, else white.
    padded = Image.new(image.mode, box, (255, 255, 255, 0) if image.mode == "RGBA" else "white")
    padded.paste(image, ((box[0] - image.width) // 2, (box[1] - image.height) // 2))
    return padded


def encode(image, name, quality, icc_profile):
    if name == "jpeg" and image.mode == "RGBA":  # JPEG has no alpha: flatten onto white
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    # Only what is passed here is written: no EXIF, XMP or comments from the original.
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    for step in (quality, *(q for q in FALLBACK_QUALITIES if q < quality)):
        buffer = io.BytesIO()
        image.save(buffer, SAVE_AS[name], quality=step, **extra)
        if buffer.tell() <= MAX_BODY:
            return buffer.getvalue(), MEDIA_TYPES[name]
        if name == "png":
            break  # lossless: another try would be as big
    return None, MEDIA_TYPES[name]


def error(status, message):
    return respond(status, f"max-age={ERROR_MAX_AGE}",
                   {"Content-Type": "text/plain; charset=utf-8"}, message + "\n", "text")


def respond(status, cache_control, headers, body=None, encoding="base64"):
    headers = {"Cache-Control": cache_control, **headers}
    response = {
        "status": status,
        "headers": {key.lower(): [{"key": key, "value": value}] for key, value in headers.items()},
    }
    if body is not None:
        response["body"] = body
        response["bodyEncoding"] = encoding
    return response
