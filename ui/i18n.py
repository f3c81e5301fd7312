"""The window's language: its words come from the ``ui`` gettext catalog
(:mod:`warroom.i18n`), Qt's own (standard buttons, file dialogs) from ``qtbase``.

The language is the one the person chose (View > Language, kept in QSettings as
``ui/language``), else the system's (``QLocale.system()``, which follows LANG and
LC_ALL); a language War room does not ship shows English. A choice applies at the
next start: the window's words are read once, when each part is built.

Modules import :func:`tr` as ``_`` (``from ui.i18n import tr as _``), the name
Babel's extraction looks for; :func:`N_` marks a message kept in a constant and
translated where it is shown."""

from __future__ import annotations

from warroom.i18n import LANGUAGES, language_of, translations

from ui.qt import QLibraryInfo, QLocale, QSettings, QTranslator

__all__ = ["LANGUAGES", "N_", "chosen", "choose", "current", "install_qt_translations", "ngettext",
           "set_language", "system_language", "tr", "translations"]

#: The key of the person's choice in QSettings.
SETTING = "ui/language"
#: Each language's name, in that language (what the Language menu shows).
NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}

_state: dict[str, str | None] = {"language": None}


def system_language() -> str:
    """The shipped language the system asks for (``de_AT.UTF-8`` → ``de``), English otherwise."""
    return language_of(QLocale.system().name())


def chosen() -> str | None:
    """The language the person chose in the window, if any."""
    value = QSettings().value(SETTING)
    return value if isinstance(value, str) and value in LANGUAGES else None


def choose(language: str | None) -> None:
    """Remember ``language`` for the next start (``None``: follow the system again)."""
    settings = QSettings()
    if language is None:
        settings.remove(SETTING)
    else:
        settings.setValue(SETTING, language_of(language))


def set_language(language: str | None) -> str:
    """Use ``language`` for the words read from now on; ``None``: the choice, else the system's."""
    _state["language"] = language_of(language) if language else (chosen() or system_language())
    return _state["language"]  # type: ignore[return-value]


def current() -> str:
    return _state["language"] or set_language(None)


def tr(message: str) -> str:
    """``message`` in the window's language (English when the catalog lacks it)."""
    return translations("ui", current()).gettext(message)


def term(value) -> str:
    """A status, impact, category or severity in the window's language (the core's
    words, from the ``warroom`` catalogs)."""
    from warroom.terms import term as core_term

    return core_term(value, current())


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations("ui", current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; translated later, where it is shown."""
    return message


def install_qt_translations(app, language: str | None = None) -> QTranslator | None:
    """Load Qt's own words (``qtbase_<lang>.qm``) into ``app``; the translator, or None
    for English or when Qt's translations are not installed."""
    language = language or current()
    if language == "en":
        return None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        return None
    app.installTranslator(translator)
    return translator
