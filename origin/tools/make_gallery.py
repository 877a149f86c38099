"""Rebuild the gallery photographs in `origin/content/images/` from scikit-image's sample data.

The photographs are committed; this script only documents and repeats the step. scikit-image is
not a dependency of the project: fetch its wheel and unpack it somewhere temporary, e.g.

    pip download --no-deps -d /tmp/wheel scikit-image
    unzip -q /tmp/wheel/scikit_image-*.whl 'skimage/data/*' -d /tmp/wheel
    python origin/tools/make_gallery.py /tmp/wheel/skimage/data

Each source is scaled (Lanczos) so that it has at least `MIN_PIXELS`, and re-encoded as a
progressive JPEG. The licences are listed in `origin/content/images/LICENSE.md`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image

# Gallery name -> file in skimage/data (all CC0 or public domain; see LICENSE.md).
SOURCES: dict[str, str] = {
    "coffee.jpg": "coffee.png",
    "chelsea.jpg": "chelsea.png",
    "rocket.jpg": "rocket.jpg",
    "astronaut.jpg": "astronaut.png",
    "hubble-deep-field.jpg": "hubble_deep_field.jpg",
    "retina.jpg": "retina.jpg",
}
MIN_PIXELS = 1_050_000  # a little over 1 megapixel
MAX_BYTES = 1_500_000
QUALITY = 88
OUTPUT = Path(__file__).resolve().parent.parent / "content" / "images"


def scaled_size(width: int, height: int) -> tuple[int, int]:
    """Upscale small sources to just over `MIN_PIXELS`; leave larger ones as they are."""
    factor = max(1.0, math.sqrt(MIN_PIXELS / (width * height)))
    return round(width * factor), round(height * factor)


def make(source: Path, target: Path) -> None:
    with Image.open(source) as image:
        photo = image.convert("RGB")
    size = scaled_size(*photo.size)
    if size != photo.size:
        photo = photo.resize(size, Image.Resampling.LANCZOS)
    photo.save(target, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    if target.stat().st_size > MAX_BYTES:
        raise SystemExit(f"{target.name} is over {MAX_BYTES} bytes; lower QUALITY")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("skimage_data", type=Path, help="the skimage/data folder of the wheel")
    args = parser.parse_args()
    for name, source in SOURCES.items():
        make(args.skimage_data / source, OUTPUT / name)
        with Image.open(OUTPUT / name) as done:
            size = (OUTPUT / name).stat().st_size
            print(f"{name}: {done.width}x{done.height}, {size} bytes")


if __name__ == "__main__":
    main()
