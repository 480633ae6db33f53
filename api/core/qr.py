"""QR codes as standalone SVG (segno), for an organiser's screen or an authenticator app."""

import io

import segno


def qr_svg(text: str) -> str:
    # A white quiet zone, so the code scans also on a dark page; the SVG namespace, so the
    # page can show it as an <img> (a data: URL) without inserting markup.
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=6, border=4, light="#fff", xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue().decode()
