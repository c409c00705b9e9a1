"""Hand-written signatures: a random scribble drawn with Pillow and kept as PNG bytes.

A signature is an image on purpose: the intake must find the signer from the printed
name under it, never from the scribble, exactly as with a real wet-ink signature.
"""
from __future__ import annotations

import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw

# Drawn at twice the size and scaled down, which smooths the strokes like ink.
_SUPERSAMPLE = 2
SIZE = (300, 92)           # pixels; printed about 50 mm wide, so roughly 150 dpi
# Grey levels of the ink. Greyscale, as most scanned signatures are; it also keeps the
# embedded image a third of the size of RGB, which matters for batch generation speed.
_INKS = (20, 35, 50)


def _smooth_noise(rng: random.Random, terms: int = 3):
    """A slowly varying function of t in about -1..1 (sum of random low-frequency sines)."""
    waves = [(rng.uniform(0.2, 1.2), rng.uniform(0, math.tau), rng.uniform(0.3, 1.0)) for _ in range(terms)]
    total = sum(w[2] for w in waves)
    return lambda t: sum(a * math.sin(f * t + p) for f, p, a in waves) / total


def _stroke(rng: random.Random, width: int, height: int) -> list[tuple[float, float]]:
    """One pen stroke of cursive-like loops: a trochoid whose loop size drifts."""
    loop_x, loop_y, baseline = _smooth_noise(rng), _smooth_noise(rng), _smooth_noise(rng, 2)
    omega = rng.uniform(1.6, 2.6)                   # loops per unit of t
    speed = rng.uniform(0.020, 0.032) * width       # forward motion per unit of t
    slant = rng.uniform(0.15, 0.45)                 # right-leaning handwriting
    x0 = rng.uniform(0.03, 0.12) * width
    end_t = (rng.uniform(0.55, 0.9) * width - x0) / speed
    points, t = [], 0.0
    while t < end_t:
        rx = (0.55 + 0.45 * loop_x(t)) * speed * 1.4
        ry = (0.5 + 0.5 * loop_y(t)) * 0.34 * height + 0.04 * height
        dy = -ry * math.sin(omega * t)
        y = 0.55 * height + 0.08 * height * baseline(t) + dy
        x = x0 + speed * t + rx * math.cos(omega * t) - slant * dy
        points.append((x, y))
        t += 0.06
    return points


def _flourish(rng: random.Random, width: int, height: int) -> list[tuple[float, float]]:
    """The underline most people finish with."""
    y = rng.uniform(0.72, 0.88) * height
    x0 = rng.uniform(0.05, 0.3) * width
    x1 = rng.uniform(0.7, 0.97) * width
    middle = ((x0 + x1) / 2, y + rng.uniform(-8, 8))
    return [(x0, y + rng.uniform(-4, 4)), middle, (x1, y - rng.uniform(0, 12))]


@lru_cache(maxsize=256)
def scribble_png(seed: int) -> bytes:
    """A deterministic scribble for ``seed`` as a greyscale PNG on white (cached)."""
    rng = random.Random(seed)
    width, height = SIZE[0] * _SUPERSAMPLE, SIZE[1] * _SUPERSAMPLE
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    ink = rng.choice(_INKS)
    pen = rng.randint(2, 4) * _SUPERSAMPLE
    for _ in range(rng.choice((1, 1, 2))):
        draw.line(_stroke(rng, width, height), fill=ink, width=pen, joint="curve")
    if rng.random() < 0.7:
        draw.line(_flourish(rng, width, height), fill=ink, width=pen, joint="curve")
    image = image.resize(SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()
