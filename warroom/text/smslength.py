"""SMS length: GSM-7 or UCS-2, and how many segments a text takes (3GPP TS 23.038)."""

from __future__ import annotations

from dataclasses import dataclass

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: each takes two septets (escape + character).
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str      # "GSM-7" or "UCS-2"
    units: int         # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int   # capacity of one segment of a multi-part message (or of the single one)

    def __str__(self) -> str:
        return f"{self.segments} SMS ({self.units} {self.encoding} characters)"


def sms_length(text: str) -> SmsLength:
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single)
    return SmsLength(encoding, units, -(-units // multi), multi)
