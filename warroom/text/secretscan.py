"""Secrets in text: the plugins of ``detect-secrets``, used so that prose is not taken
for a secret and every secret maps back to its span (for :mod:`warroom.text.lint`).

detect-secrets is written for source files. Used as designed (``scan_line``
in ``default_settings()``) it mutates process-wide settings, and in its ad-hoc
mode the two entropy plugins report *every* word of a sentence as a candidate
(they drop the requirement for quoted strings). So we use its plugins directly:

* the regex-based detectors (AWS, GitHub, GitLab, Slack, Stripe, private keys,
  JWT, basic-auth URLs, …) run on every line with their own patterns; we use
  ``finditer`` on their ``denylist`` so each secret maps back to its span
  (their ``analyze_string`` returns bare values or only a prefix group such as
  "ghp"). The "Public IP" plugin is left out: the ip-address rule covers it.
* the keyword detector's patterns (``password: …``, ``api_key = "…"``) only
  count when the value is token-like: one word of 6+ characters with letters
  and a digit or symbol, not a URL or a placeholder. "password: reset it via
  the portal" is prose, "password: Sommer2024!" is a secret.
* the entropy plugins (Base64 limit 4.5, Hex limit 3.0, their defaults) are
  only asked about long token-like strings: runs of base64 characters of 20+
  characters that mix upper case, lower case and digits, or hex strings of 32+
  characters with letters and digits. Ordinary words, versions, dates, times
  and lower-case URL slugs never qualify.
* every candidate then goes through detect-secrets' own heuristic filters
  (sequential strings, UUIDs, templates like ${SECRET}, id strings).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

TRAILING_PUNCT = ".,;:!?)]}>'\"`…"


def rstrip_span(text: str, start: int, end: int, chars: str = TRAILING_PUNCT) -> int:
    """``end`` moved back over trailing punctuation (``chars``), not before ``start``."""
    while end > start and text[end - 1] in chars:
        end -= 1
    return end


_B64_RUN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}", re.ASCII)
_JWT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=")
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]{32,}", re.ASCII)
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*(?:PRIVATE KEY|KEY BLOCK)-----")
#: Keywords detect-secrets does not know, in the same "keyword: value" shape (German and generic).
_EXTRA_KEYWORDS = re.compile(
    r"\b(passwort|kennwort|zugangscode|token|access[_\-]?token|api[_\-]?token|client[_\-]?secret|apikey)"
    r"[\]'\"]{0,2}\s*[:=]\s*['\"`]?(?P<value>[^\s'\"`,;]+)",
    re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(?:\*+|x+|\.+|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\$\{?\w+\}?|redacted|removed|hidden|"
                          r"changeme|none|null|n/a|entfernt|geschwärzt)$", re.IGNORECASE)


class SecretEngine:
    """The detect-secrets plugins we use, imported once on first use (it takes ~0.2 s)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
            from detect_secrets.filters import heuristic
            from detect_secrets.plugins import keyword
            from detect_secrets.plugins.base import RegexBasedDetector
            from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
            from detect_secrets.plugins.ip_public import IPPublicDetector

            self.regex_plugins: list[tuple[str, Any, list[re.Pattern[str]]]] = []
            for kind, cls in sorted(get_mapping_from_secret_type_to_class().items()):
                if not (isinstance(cls, type) and issubclass(cls, RegexBasedDetector)):
                    continue
                if issubclass(cls, IPPublicDetector):
                    continue
                plugin = cls()
                self.regex_plugins.append((kind, plugin, list(plugin.denylist)))
            self.keyword_patterns: list[tuple[re.Pattern[str], int]] = [
                *keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP.items(),
                *keyword.CONFIG_DENYLIST_REGEX_TO_GROUP.items(),
            ]
            self.keyword_plugin = keyword.KeywordDetector()
            self.b64 = Base64HighEntropyString()
            self.hex = HexHighEntropyString()
            self.heuristic = heuristic

    def _filtered(self, secret: str, line: str, plugin: Any) -> bool:
        h = self.heuristic
        return (h.is_sequential_string(secret) or h.is_potential_uuid(secret) or h.is_templated_secret(secret)
                or h.is_likely_id_string(secret, line, plugin))

    def scan(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Yield (start, end, kind) for each secret in ``text``."""
        pos = 0
        for line in text.splitlines(keepends=True):
            if len(line.strip()) >= 8:
                yield from ((s + pos, e + pos, k) for s, e, k in self._scan_line(line.rstrip("\r\n"), text, pos))
            pos += len(line)

    def _scan_line(self, line: str, text: str, offset: int) -> Iterator[tuple[int, int, str]]:
        for kind, plugin, patterns in self.regex_plugins:
            for pattern in patterns:
                for m in pattern.finditer(line):
                    start, end = m.span()
                    # A group that runs to the end of the match (but for quotes or an '@')
                    # is the secret itself (a password in a URL, a key after "aws_secret=");
                    # a group at the front ("ghp") is only a prefix.
                    for g in range(pattern.groups, 0, -1):
                        gs, ge = m.span(g)
                        if gs >= 0 and ge > gs and (gs > start or ge == end) and not line[ge:end].strip("'\"@` "):
                            start, end = gs, ge
                            break
                    while start < end and line[start] in " \t=:\"'`":
                        start += 1
                    while end > start and line[end - 1] in " \t\"'`":
                        end -= 1
                    if end <= start:
                        continue
                    if kind == "Private Key":
                        start, end = self._pem_span(line, text, offset, start, end)
                        yield start, end, kind
                        continue
                    if hasattr(plugin, "is_formally_valid"):
                        # The JWT pattern ends lazily: take the whole token, then let the
                        # plugin check that its parts decode.
                        while end < len(line) and line[end] in _JWT_CHARS:
                            end += 1
                        end = rstrip_span(line, start, end, ".")
                        if not plugin.is_formally_valid(line[start:end]):
                            continue
                    if self._filtered(line[start:end], line, plugin):
                        continue
                    yield start, end, kind

        for pattern, group in self.keyword_patterns:
            for m in pattern.finditer(line):
                yield from self._keyword_value(line, m.start(group), m.end(group))
        for m in _EXTRA_KEYWORDS.finditer(line):
            yield from self._keyword_value(line, m.start("value"), m.end("value"))

        for m in _B64_RUN.finditer(line):
            yield from self._entropy(line, m.start(), m.end())

    def _pem_span(self, line: str, text: str, offset: int, start: int, end: int) -> tuple[int, int]:
        """From the header's dashes to the END line when the block is there, else the header."""
        while start > 0 and line[start - 1] == "-":
            start -= 1
        while end < len(line) and line[end] == "-":
            end += 1
        m = _PEM_END.search(text, offset + end)
        if m is not None:
            return start, m.end() - offset
        return start, end

    def _keyword_value(self, line: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
        # Only the first word of the value, without trailing punctuation.
        value = line[start:end]
        word = re.match(r"\S+", value)
        if word is None:
            return
        end = rstrip_span(line, start, start + word.end(), ".,;:)]}\"'`")
        token = line[start:end]
        if len(token) < 6 or "://" in token or _PLACEHOLDER.match(token):
            return
        has_alpha = any(c.isalpha() for c in token)
        has_digit = any(c.isdigit() for c in token)
        has_symbol = any(not c.isalnum() for c in token)
        mixed_case = any(c.islower() for c in token) and any(c.isupper() for c in token)
        if not has_alpha or not (has_digit or (has_symbol and mixed_case)):
            return
        if self._filtered(token, line, self.keyword_plugin):
            return
        yield start, end, self.keyword_plugin.secret_type

    def _entropy(self, line: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
        candidates = [(start, end)]
        if "/" in line[start:end]:
            pos = start
            for part in line[start:end].split("/"):
                candidates.append((pos, pos + len(part)))
                pos += len(part) + 1
        for s, e in candidates:
            while s < e and line[s] in "-_=/+":
                s += 1
            while e > s and line[e - 1] in "-_/+":
                e -= 1
            token = line[s:e]
            if len(token) < 20:
                continue
            has_digit = any(c.isdigit() for c in token)
            if _HEX_TOKEN.fullmatch(token):
                if (len(token) >= 32 and has_digit and any(c.isalpha() for c in token)
                        and self.hex.calculate_shannon_entropy(token) > self.hex.entropy_limit
                        and not self._filtered(token, line, self.hex)):
                    yield s, e, self.hex.secret_type
                    return
                continue
            if not (has_digit and any(c.isupper() for c in token) and any(c.islower() for c in token)):
                continue
            if (self.b64.calculate_shannon_entropy(token) > self.b64.entropy_limit
                    and not self._filtered(token, line, self.b64)):
                yield s, e, self.b64.secret_type
                return


@lru_cache(maxsize=1)
def secret_engine() -> SecretEngine:
    return SecretEngine()
