"""Draws the app icons in pwa/icons/ (a white door on red) with the standard library only.

Run again after changing the design: `python scripts/make_icons.py`.
"""

import struct
import zlib
from pathlib import Path

RED = (163, 0, 27)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"
SAMPLES = 3  # supersampling per axis, for smooth edges


def door_colour(x: float, y: float, scale: float) -> tuple[int, int, int]:
    """The colour at (x, y) in a unit square; scale < 1 shrinks the door into the safe zone."""
    cx, cy = (x - 0.5) / scale + 0.5, (y - 0.5) / scale + 0.5
    in_door = 0.32 <= cx <= 0.68 and 0.2 <= cy <= 0.84
    in_knob = (cx - 0.6) ** 2 + (cy - 0.54) ** 2 <= 0.032**2
    in_step = 0.24 <= cx <= 0.76 and 0.84 <= cy <= 0.88
    if in_knob:
        return RED
    return WHITE if in_door or in_step else RED


def png(size: int, scale: float) -> bytes:
    rows = bytearray()
    n = SAMPLES * SAMPLES
    for py in range(size):
        rows.append(0)
        for px in range(size):
            acc = [0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px + (sx + 0.5) / SAMPLES) / size
                    y = (py + (sy + 0.5) / SAMPLES) / size
                    c = door_colour(x, y, scale)
                    acc = [a + b for a, b in zip(acc, c, strict=True)]
            rows.extend(round(a / n) for a in acc)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(png(192, 1.0))
    (OUT / "icon-512.png").write_bytes(png(512, 1.0))
    # Maskable: the door stays inside the central safe zone (a circle of 80 %).
    (OUT / "maskable-512.png").write_bytes(png(512, 0.72))


if __name__ == "__main__":
    main()
