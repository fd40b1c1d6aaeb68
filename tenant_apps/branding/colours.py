"""Accent colours: validation and the WCAG 2.x contrast arithmetic that keeps them readable.

Text on the accent is derived, not chosen: white when white reaches 4.5:1 on it (WCAG AA
for normal text), black otherwise (one of the two always does). Links use the accent only
where it reaches 4.5:1 on the page background; elsewhere they keep the default colour.
"""

import re

from django.core.exceptions import ValidationError

AA_NORMAL_TEXT = 4.5
WHITE, BLACK = "#ffffff", "#000000"
_HEX = re.compile(r"#[0-9a-f]{6}")


def accent_clean(value: object) -> str:
    """'#rrggbb' in lower case, or '' (no accent: the platform's default colours)."""
    if not isinstance(value, str):
        raise ValidationError({"accent": "Send text."})
    value = value.strip().lower()
    if value and not _HEX.fullmatch(value):
        raise ValidationError(
            {"accent": "Enter a colour as # followed by six hex digits, like #4f46e5."}
        )
    return value


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(accent: str) -> str:
    """White or black: the text colour readable (AA) on `accent`."""
    return WHITE if contrast_ratio(WHITE, accent) >= AA_NORMAL_TEXT else BLACK


def mix(colour: str, other: str, weight: float) -> str:
    """`colour` moved `weight` (0..1) of the way towards `other`."""
    channels = (round(a + (b - a) * weight) for a, b in zip(_rgb(colour), _rgb(other), strict=True))
    return "#" + "".join(f"{value:02x}" for value in channels)


def hover_of(accent: str) -> str:
    """The pressed/hover shade: away from the text colour, so contrast only grows."""
    return mix(accent, BLACK if text_on(accent) == WHITE else WHITE, 0.15)


def readable_on(colour: str, background: str) -> bool:
    return contrast_ratio(colour, background) >= AA_NORMAL_TEXT
