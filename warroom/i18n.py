"""Translations: gettext catalogs, one per domain and language, in
``resources/locale/<lang>/LC_MESSAGES/<domain>.po``.

- ``warroom``: the core's words that reach people in their language (status terms,
  severities, impact and category labels, caveats), chosen per audience's locale.
- ``ui``: the window's words, in the language the person chose (or the system's).

Catalogs are read with Babel and compiled in memory on first use (no ``.mo`` files
to forget to rebuild). ``make i18n-extract`` and ``make i18n-update`` keep the
catalogs in step with the code (Babel's extract and update).

English is the source language: a message missing from a catalog shows in English."""

from __future__ import annotations

import gettext as _gettext
import io
import threading
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from warroom.paths import resource

#: The languages War room ships, English first (the source).
LANGUAGES = ("en", "de", "fr", "es")
DOMAINS = ("warroom", "ui")
#: The largest catalog read (a catalog is a few hundred messages).
MAX_CATALOG = 2 * 1024 * 1024

_lock = threading.Lock()


def language_of(locale: str | None) -> str:
    """The shipped language for a locale (``de_AT`` → ``de``); English otherwise."""
    if not locale:
        return "en"
    try:
        lang = Locale.parse(str(locale).replace("-", "_").split(".")[0].split("@")[0]).language
    except (ValueError, UnknownLocaleError):
        return "en"
    return lang if lang in LANGUAGES else "en"


@lru_cache(maxsize=None)
def translations(domain: str, language: str) -> _gettext.NullTranslations:
    """The catalog of ``domain`` in ``language`` (null for English or a missing one)."""
    language = language_of(language)
    if language == "en":
        return _gettext.NullTranslations()
    node = resource("locale", language, "LC_MESSAGES", f"{domain}.po")
    if not node.is_file():
        return _gettext.NullTranslations()
    data = node.read_bytes()
    if len(data) > MAX_CATALOG:
        raise ValueError(f"The {language} catalog of {domain} is over {MAX_CATALOG} bytes.")
    with _lock:
        catalog = read_po(io.BytesIO(data), locale=language, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where used
    (:func:`gettext` with the audience's or the person's language)."""
    return message


def gettext(domain: str, language: str, message: str) -> str:
    return translations(domain, language).gettext(message)


def ngettext(domain: str, language: str, singular: str, plural: str, n: int) -> str:
    return translations(domain, language).ngettext(singular, plural, n)


def coverage(domain: str, language: str) -> tuple[int, int]:
    """(translated, total) messages of a catalog, fuzzy ones not counted as translated."""
    node = resource("locale", language, "LC_MESSAGES", f"{domain}.po")
    catalog = read_po(io.BytesIO(node.read_bytes()), locale=language, domain=domain)
    messages = [m for m in catalog if m.id]
    done = [m for m in messages if not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)]
    return len(done), len(messages)
