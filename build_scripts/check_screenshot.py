"""Is a screenshot a drawn screen? `python check_screenshot.py PNG...` exits 1 naming each
file that is blank (almost one colour) or not a PNG. Standard library only, so the package
build can check the bundle's pictures without Kivy or Pillow."""

from __future__ import annotations

import struct
import sys
import zlib
from collections import Counter
from pathlib import Path

MIN_COLOURS = 64   # text, icons and their anti-aliasing: a drawn screen has hundreds
MIN_INK = 0.03     # share of pixels that differ from the background


def pixels(path: Path) -> tuple[int, int, list[bytes], int]:
    """Width, height, the rows and the channels (3 or 4) of 8-bit RGB or RGBA pixels of a non-interlaced PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    if header is None:
        raise ValueError("PNG has no header")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
    raw, stride = zlib.decompress(b"".join(idat)), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, channels


def problems(path: Path) -> list[str]:
    try:
        width, height, rows, channels = pixels(path)
    except (OSError, ValueError, zlib.error, struct.error) as e:
        return [f"{path}: {e}"]
    colours = Counter(row[i:i + 3] for row in rows for i in range(0, len(row), channels))
    background, count = colours.most_common(1)[0]
    ink = 1 - count / (width * height)
    out = []
    if len(colours) < MIN_COLOURS:
        out.append(f"{path}: only {len(colours)} distinct colours")
    if ink < MIN_INK:
        out.append(f"{path}: almost blank, {ink:.1%} of pixels differ from #{background.hex()}")
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: check_screenshot.py PNG...", file=sys.stderr)
        return 2
    found = [p for arg in argv for p in problems(Path(arg))]
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"{len(argv)} screenshot(s) drawn")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
