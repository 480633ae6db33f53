"""QR codes as inline SVG (segno), for an organiser's screen or an authenticator app."""

import segno


def qr_svg(text: str) -> str:
    # A white quiet zone, so the code scans also on a dark page.
    return str(segno.make(text, error="m").svg_inline(scale=6, border=4, light="#fff"))
