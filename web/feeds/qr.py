"""QR codes drawn on the server as inline SVG (nothing fetched from elsewhere)."""

from __future__ import annotations

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage


def qr_svg(data: str, *, label: str) -> Markup:
    """An ``<svg>`` QR code of `data`, scaled by CSS, announced to screen readers as `label`."""
    image = qrcode.make(data, image_factory=SvgPathImage, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" class="qr" ', 1)
    return Markup(svg)
