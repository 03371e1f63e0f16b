"""The translators' workflow: `kiosk-content export-po` and `import-po` (issue 16).

A round trip loses nothing on all of the content, in every language; a translation comes
back into the content; a wrong file is refused with a line per wrong entry and nothing is
written."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest

from kiosk import content_cli
from kiosk.core import content, languages, po
from kiosk.core.settings import DEFAULT_CONTENT_DIR

TARGET = "tutorials/using-a-touchscreen.json#/lessons/0/practice/targets/0/label"


@pytest.fixture
def src(tmp_path) -> Path:
    return Path(shutil.copytree(DEFAULT_CONTENT_DIR, tmp_path / "content"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def export(src: Path, out: Path, *langs: str) -> None:
    args = ["export-po", str(src), "--out", str(out)]
    for lang in langs:
        args += ["--lang", lang]
    assert content_cli.main(args) == 0


def test_a_round_trip_loses_nothing_in_any_language(src, tmp_path, capsys):
    before = snapshot(src)
    export(src, tmp_path / "po", "all")
    files = sorted((tmp_path / "po").glob("*.po"))
    assert [f.stem for f in files] == sorted(c for c in languages.LANGUAGES if c != "en")
    cat = content.load(src)
    texts = list(cat.texts())
    for f in files:
        entries = [e for e in polib.pofile(str(f)) if not e.obsolete]
        assert len(entries) == len(texts)
        assert len({e.msgctxt for e in entries}) == len(entries)  # each text its own context
        assert all(e.occurrences and e.occurrences[0][0] in e.msgctxt for e in entries)
        assert sum(bool(e.msgstr) for e in entries) == sum(t.has(f.stem) for _, t in texts)
    assert content_cli.main(["import-po", str(src), str(tmp_path / "po"),
                             "--no-fit-check"]) == 0
    assert snapshot(src) == before


def test_a_translation_comes_back_with_its_review(src, tmp_path):
    export(src, tmp_path / "po", "es")
    path = tmp_path / "po" / "es.po"
    f = polib.pofile(str(path))
    for e in f:
        if e.msgctxt == "services/council-tax.json#/title":
            e.msgstr = "Council Tax (impuesto municipal): pago, descuentos y ayuda"
        if e.msgctxt == TARGET:
            e.msgstr = "Toque aquí"
    f.metadata.update({"X-Review-Status": "reviewed", "X-Reviewed-By": "Lucía Pérez",
                       "X-Review-Date": "2026-12-10", "X-Review-Note": ""})
    f.save()
    assert content_cli.main(["import-po", str(src), str(path), "--no-fit-check"]) == 0
    cat = content.load(src)
    assert cat.services["council-tax"].title.get("es").startswith("Council Tax (impuesto")
    assert cat.review("es") == content.Review("reviewed", "Lucía Pérez", "2026-12-10")
    # The files stay as they are kept: indented JSON, the language added to each text.
    raw = (src / "services" / "council-tax.json").read_text(encoding="utf-8")
    assert '\n  "title": {\n    "en": ' in raw and '"es": "Council Tax (impuesto' in raw


def test_a_wrong_file_is_refused_entry_by_entry_and_nothing_is_written(src, tmp_path,
                                                                       capsys):
    export(src, tmp_path / "po", "fr")
    path = tmp_path / "po" / "fr.po"
    f = polib.pofile(str(path))
    by = {e.msgctxt: e for e in f}
    url = next(e for e in f if "gov.uk/" in e.msgid.lower())
    url.msgstr = "Ouvrez le site officiel."  # the address is gone
    by["services/council-tax.json#/title"].msgstr = "Taxe {name} locale <b>"
    by[TARGET].msgstr = "Touchez ici, " * 6  # far too long for its button at 200 %
    f.append(polib.POEntry(msgctxt="services/nothing.json#/title", msgid="x", msgstr="y"))
    changed = by["services/council-tax.json#/summary"]
    changed.msgid, changed.msgstr = "Old English", "Vieux"
    f.save()
    before = snapshot(src)
    assert content_cli.main(["import-po", str(src), str(path)]) == 1
    err = capsys.readouterr().err
    assert "refused, 6 entries are wrong (nothing was imported)" in err, err
    lines = err.splitlines()
    expect = [(url.msgctxt, "address"),
              ("council-tax.json#/title", "placeholders"), ("council-tax.json#/title", "markup"),
              (TARGET, "will not fit its button at 200 % text size"),
              ("services/nothing.json#/title", "no such text"),
              ("council-tax.json#/summary", "English has changed")]
    for where, what in expect:
        assert any(where in line and what in line and "line " in line for line in lines), \
            (where, what, err)
    assert "Traceback" not in err
    assert snapshot(src) == before


def test_a_file_that_is_not_po_is_named(src, tmp_path, capsys):
    bad = tmp_path / "ar.po"
    bad.write_text("Hello, this is not gettext\n", encoding="utf-8")
    assert content_cli.main(["import-po", str(src), str(bad), "--no-fit-check"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "not a readable PO file" in err and "Traceback" not in err
    assert content_cli.main(["import-po", str(src), str(tmp_path / "none.po")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert content_cli.main(["export-po", str(src), "--lang", "xx", "--out",
                             str(tmp_path)]) == 1
    assert "'xx' is not a language" in capsys.readouterr().err


@pytest.mark.parametrize("english,translation,wrong", [
    ("Go to gov.uk/vote now.", "Aller sur gov.uk/vote.", None),
    ("Hello {name}", "Bonjour {name}", None),
    ("Hello {name}", "Bonjour {nom}", "placeholders"),
    ("Write to help@example.org", "Écrivez à aide@example.org", "address"),
    ("One\nTwo", "Un\nDeux", None),
    ("One\nTwo", "Un Deux", "paragraphs"),
    ("<b>Bold</b>", "<b>Gras", "markup"),
])
def test_each_check(english, translation, wrong):
    found = po.check_entry(english, translation)
    assert (not found) if wrong is None else any(wrong in f for f in found), found


def test_texts_needing_update_come_first_and_leave_the_mark_once_translated(src, tmp_path):
    """Issue 18: a translation made from an older English is marked "needs update" (by
    import-govuk); the PO export puts those first, fuzzy, with the old translation to start
    from; the citizen sees English meanwhile. An import of the file as it was changes nothing;
    once the translator has updated the entry (fuzzy removed), the mark goes."""
    import json

    path = src / "services" / "council-tax.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    old = doc["summary"]["es"]
    doc["summary"]["needs_update"] = "ar es"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert content.load(src).services["council-tax"].summary.needs_update("es")

    export(src, tmp_path / "po", "es")
    po_path = tmp_path / "po" / "es.po"
    entries = [e for e in polib.pofile(str(po_path)) if not e.obsolete]
    first = entries[0]
    assert first.msgctxt == "services/council-tax.json#/summary", "not first in the file"
    assert "fuzzy" in first.flags and first.msgstr == old
    assert "needs update" in first.comment
    assert sum("fuzzy" in e.flags for e in entries) == 1
    assert len(entries) == len(list(content.load(src).texts()))

    before = snapshot(src)
    assert content_cli.main(["import-po", str(src), str(po_path), "--no-fit-check"]) == 0
    assert snapshot(src) == before, "a fuzzy entry is not a translation yet"

    f = polib.pofile(str(po_path))
    for e in f:
        if e.msgctxt == first.msgctxt:
            e.flags.remove("fuzzy")
            e.msgstr = old.replace("25%", "el 25%") if "25%" in old else old + " "
            e.msgstr = e.msgstr.strip()
    f.save()
    assert content_cli.main(["import-po", str(src), str(po_path), "--no-fit-check"]) == 0
    summary = json.loads(path.read_text(encoding="utf-8"))["summary"]
    assert summary["needs_update"] == "ar", "Spanish is updated; Arabic still needs it"
    cat = content.load(src)
    assert not cat.services["council-tax"].summary.needs_update("es")
    assert cat.services["council-tax"].summary.needs_update("ar")
