"""The French and English catalogues are complete (DESIGN.md rule 10).

How: run ``makemessages`` (xgettext) over a temporary copy of ``src/tournevis`` — exactly what
``scripts/messages.sh extract`` runs, without ``demo/`` — and compare its msgids with the committed
catalogues in ``src/tournevis/locale``. The copy keeps the working tree untouched (makemessages writes
``*.html.py`` files next to templates and its output into the locale folder).

- fr: every extracted msgid is present, translated (every plural form too) and not fuzzy; placeholders
  agree with the msgid (``msgfmt --check-format``).
- en: English is the source language, so an en msgstr may stay empty (gettext then shows the msgid);
  the en catalogue must still list every msgid, so that a string added without re-running extraction
  fails here rather than going unnoticed.

Fix a failure with ``scripts/messages.sh extract``, then translate the new fr entries.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

SRC = Path(__file__).resolve().parents[2] / "src" / "tournevis"
LOCALE = SRC / "locale"
EXTENSIONS = {".py", ".html", ".txt"}

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="needs GNU gettext (apt-get install gettext); CI installs it",
)


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid


def parse_po(text: str) -> list[Entry]:
    """A minimal PO reader: contexts, plurals, multi-line strings, flags; obsolete (#~) entries marked."""
    entries: list[Entry] = []
    entry, current = Entry(), None

    def flush() -> None:
        nonlocal entry, current
        if current is not None:
            entries.append(entry)
        entry, current = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        value = ast.literal_eval(rest) if rest else ""
        if keyword == "msgctxt":
            if current not in (None, "msgctxt"):
                flush()
            current, entry.msgctxt = "msgctxt", value
        elif keyword == "msgid":
            if current not in (None, "msgctxt"):
                flush()
            current, entry.msgid = "msgid", value
        elif keyword == "msgid_plural":
            current, entry.msgid_plural = "msgid_plural", value
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current = f"msgstr{index}"
            entry.msgstr[index] = value
        elif keyword == "" and current is not None:
            if current == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif current == "msgid":
                entry.msgid += value
            elif current == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                index = int(current[6:])
                entry.msgstr[index] += value
    flush()
    return entries


def live(entries: list[Entry]) -> dict[tuple[str | None, str], Entry]:
    return {e.key: e for e in entries if not e.obsolete}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str | None, str], Entry]:
    """The msgids marked in the source today, extracted by makemessages from a throwaway copy."""
    copy = tmp_path_factory.mktemp("i18n") / "tournevis"

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [
            n
            for n in names
            if n in {"__pycache__", "locale", "static", "demo"}
            or ((Path(directory) / n).is_file() and Path(n).suffix not in EXTENSIONS)
        ]

    shutil.copytree(SRC, copy, ignore=ignore)
    (copy / "locale").mkdir()
    with chdir(copy), override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["fr"], verbosity=0, add_location="file", no_obsolete=True)
    return live(parse_po((copy / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text("utf-8")))


def committed(language: str) -> dict[tuple[str | None, str], Entry]:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"{path} is missing: run scripts/messages.sh extract"
    return live(parse_po(path.read_text("utf-8")))


def _describe(keys: Iterator[tuple[str | None, str]] | set[tuple[str | None, str]]) -> list[str]:
    return sorted(f"{ctx}|{msgid}" if ctx else msgid for ctx, msgid in keys)


def test_the_parser_reads_contexts_plurals_continuations_and_flags() -> None:
    entries = parse_po(
        '#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#, python-format\nmsgctxt "verb"\nmsgid "Open"\nmsgstr "Ouvrir"\n\n'
        'msgid "one %(n)s"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n"plusieurs"\n\n'
        '#~ msgid "gone"\n#~ msgstr "parti"\n'
    )
    assert [(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, e.flags, e.obsolete) for e in entries] == [
        (None, "", None, {0: "Language: fr\n"}, {"fuzzy"}, False),
        ("verb", "Open", None, {0: "Ouvrir"}, {"python-format"}, False),
        (None, "one %(n)s", "many", {0: "un", 1: "plusieurs"}, set(), False),
        (None, "gone", None, {0: "parti"}, set(), True),
    ]


def test_extraction_finds_the_strings_of_every_layer(extracted) -> None:
    msgids = {msgid for _, msgid in extracted}
    assert "Not found" in msgids  # core/errors.py, marked with gettext_noop
    assert "Tier must be one of %(choices)s." in msgids  # a pure domain module
    assert "In repair" in msgids  # a model's choices
    assert "Attribute recorded" in msgids  # web/timeline.py
    assert "Access hours" in msgids  # a template


def test_every_source_msgid_is_in_the_french_catalogue(extracted) -> None:
    assert _describe(set(extracted) - set(committed("fr"))) == []


def test_every_french_entry_is_translated_and_none_is_fuzzy() -> None:
    catalogue = committed("fr")
    fuzzy = [e.msgid for e in catalogue.values() if "fuzzy" in e.flags]
    untranslated = [
        e.msgid
        for key, e in catalogue.items()
        if key != (None, "")
        and (
            not e.msgstr
            or any(not text for text in e.msgstr.values())
            or (e.msgid_plural is not None and len(e.msgstr) < 2)
        )
    ]
    assert fuzzy == []
    assert untranslated == []
    header = catalogue[(None, "")].msgstr[0]
    assert "Language: fr\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header


def test_french_placeholders_match_their_msgids() -> None:
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(LOCALE / "fr" / "LC_MESSAGES" / "django.po")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_every_source_msgid_is_listed_in_the_english_catalogue(extracted) -> None:
    catalogue = committed("en")
    assert _describe(set(extracted) - set(catalogue)) == []
    assert [e.msgid for e in catalogue.values() if "fuzzy" in e.flags] == []
