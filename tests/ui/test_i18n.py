"""The window in German, French and Spanish: the ui catalogs are nearly complete, keep
every placeholder, are in step with the code, and a window started in German speaks
German, down to Qt's own buttons."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from warroom import i18n as core_i18n
from warroom.paths import resource
from ui import i18n
from ui.qt import QApplication, QDialogButtonBox, QLibraryInfo, QMessageBox

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("de", "fr", "es")
#: What the Makefile's i18n-extract passes to pybabel for the ui domain (and Babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "ngettext": (1, 2)}
BRACES = re.compile(r"\{[^{}]*\}")
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")


def catalog(language: str | None):
    node = resource("locale", "ui.pot") if language is None else resource("locale", language, "LC_MESSAGES", "ui.po")
    return read_po(io.BytesIO(node.read_bytes()), locale=language, domain="ui")


def placeholders(text: str) -> list[str]:
    return sorted(BRACES.findall(text) + PERCENT.findall(text))


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalog_is_at_least_95_percent_translated(language):
    done, total = core_i18n.coverage("ui", language)
    assert total > 400  # the window's words, not an empty catalog
    assert done / total >= 0.95, f"{language}: {done} of {total} translated"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_translation_keeps_its_placeholders(language):
    wrong = []
    for message in catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and placeholders(text) != placeholders(ids[-1]) and placeholders(text) != placeholders(ids[0]):
                wrong.append((ids[0], text))
    assert wrong == []


def test_the_placeholder_check_sees_a_lost_placeholder():
    assert placeholders("Kanal {name} entfernt.") == placeholders("Channel {name} removed.")
    assert placeholders("Kanal entfernt.") != placeholders("Channel {name} removed.")
    assert placeholders("%(n)s Tage, %d") == ["%(n)s", "%d"]


def test_the_catalog_is_in_step_with_the_code():
    """Every message the code of ui/ marks is in ui.pot and every catalog, and nothing stale
    is left in them (run ``make i18n-update`` when this fails)."""
    in_code = {m[2] if isinstance(m[2], str) else m[2][0]
               for m in extract_from_dir(str(ROOT / "ui"), method_map=[("**.py", "python")], keywords=KEYWORDS)}
    assert len(in_code) > 400
    pot = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(None) if m.id}
    assert sorted(in_code - pot) == [] and sorted(pot - in_code) == []
    for language in SHIPPED:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
        assert ids == pot, language


def test_the_menu_texts_keep_an_accelerator():
    """A menu entry with a keyboard accelerator in English keeps one in every language."""
    for language in SHIPPED:
        for message in catalog(language):
            if isinstance(message.id, str) and re.search(r"&\w", message.id) and "&gt;" not in message.id:
                assert re.search(r"&\w", message.string), (language, message.id, message.string)


def test_the_language_follows_the_system_and_the_person_s_choice(qapp, monkeypatch):
    monkeypatch.setattr(i18n, "system_language", lambda: "fr")
    i18n.choose(None)
    try:
        assert i18n.set_language(None) == "fr"
        assert i18n.tr("&File") == "&Fichier"
        i18n.choose("es")                       # View > Language: Español
        assert i18n.chosen() == "es"
        assert i18n.set_language(None) == "es" and i18n.tr("&File") == "&Archivo"
        i18n.choose("pt")                       # not shipped: English
        assert i18n.set_language(None) == "en" and i18n.tr("&File") == "&File"
    finally:
        i18n.choose(None)
    assert i18n.chosen() is None


@pytest.mark.parametrize("lang, expected", [("de_DE.UTF-8", "de"), ("fr_CA.UTF-8", "fr"), ("es_MX.UTF-8", "es"),
                                            ("pt_BR.UTF-8", "en"), ("C.UTF-8", "en")])
def test_the_system_language_is_read_from_lang(lang, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = lang
    out = subprocess.run([sys.executable, "-c", "from ui import i18n; print(i18n.system_language())"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == expected, out.stderr


def test_a_window_started_in_german_speaks_german(open_window, store, seeded):
    i18n.set_language("de")
    w = open_window(store)
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["&Datei", "&Vorfall", "&Ansicht", "&Hilfe"]
    tabs = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    for name in ("Zeitleiste", "Updates", "Freigaben", "Zustellungen", "Folgemaßnahmen", "Anfragen", "Fristen",
                 "Retrospektive", "Signale"):
        assert name in tabs
    assert w.search.placeholderText() == "Zeitleiste durchsuchen (Strg+F)"
    header = [w.incident_model.headerData(i, w.incident_view.horizontalHeader().orientation())
              for i in range(w.incident_model.columnCount())]
    assert "Offen seit" in header
    language = w.findChild(type(w.menuBar().actions()[0].menu()), "languageMenu")
    assert [a.text() for a in language.actions()][1:] == ["English", "Deutsch", "Français", "Español"]


def test_choosing_a_language_says_when_it_applies(open_window, store, seeded):
    w = open_window(store)
    language = w.language_menu
    try:
        next(a for a in language.actions() if a.text() == "Français").trigger()
        assert i18n.chosen() == "fr"
        assert w.statusBar().currentMessage() == "La fenêtre parlera Français au prochain démarrage de War room."
        assert w.menuBar().actions()[0].text() == "&File"   # this window keeps its words
    finally:
        i18n.choose(None)


QT_DE = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / "qtbase_de.qm"


@pytest.mark.skipif(not QT_DE.is_file(), reason="Qt's translations are not installed")
@pytest.mark.parametrize("language, cancel", [("de", "Abbrechen"), ("fr", "Annuler"), ("es", "Cancelar")])
def test_qt_s_own_buttons_come_from_qtbase(qapp, language, cancel):
    box = QMessageBox(QMessageBox.Icon.Question, "War room", "?", QMessageBox.StandardButton.Cancel)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "Cancel"
    translator = i18n.install_qt_translations(QApplication.instance(), language)
    assert translator is not None
    try:
        box = QMessageBox(QMessageBox.Icon.Question, "War room", "?", QMessageBox.StandardButton.Cancel)
        assert box.button(QMessageBox.StandardButton.Cancel).text() == cancel
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "") == cancel
    finally:
        QApplication.instance().removeTranslator(translator)
    assert i18n.install_qt_translations(QApplication.instance(), "en") is None
