"""Catalogues where a language really is missing or partial, for the tests of the
"this page is in English" behaviour (the notice before a service or lesson, the grey
"Some of this page is in English" line, Help's "Ask staff for help in your language",
the staff panel's shares).

The bundled content is complete in every language it lists, but a centre can load a pack
where a language is partial, and a translation marked "needs update" shows in English: so
the tests copy the bundled content, take languages out of it, and load the copy with the
kiosk's own loader (so the variant is checked like any pack)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kiosk.core import content
from kiosk.core.settings import DEFAULT_CONTENT_DIR


def _strip(obj: Any, langs: set[str], keep_titles: bool | set[str]) -> Any:
    """The JSON with `langs` taken out of every text (an object with an "en" string);
    `keep_titles`: True, or the languages whose top-level "title" stays."""
    if isinstance(obj, list):
        return [_strip(x, langs, keep_titles) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if isinstance(obj.get("en"), str):  # a text
        out = {k: v for k, v in obj.items() if k not in langs}
        if content.NEEDS_UPDATE in out:
            left = [c for c in out[content.NEEDS_UPDATE].split() if c not in langs]
            if left:
                out[content.NEEDS_UPDATE] = " ".join(left)
            else:
                del out[content.NEEDS_UPDATE]
        return out
    if keep_titles is True or keep_titles == langs:
        return {k: (v if keep_titles and k == "title" else _strip(v, langs, False))
                for k, v in obj.items()}
    out = {k: _strip(v, langs, False) for k, v in obj.items()}
    if keep_titles and isinstance(obj.get("title"), dict):  # only those languages' titles
        out["title"] = _strip(obj["title"], langs - set(keep_titles), False)
    return out


def copy_without(dest: Path, langs: Iterable[str], items: Iterable[str] | None = None,
                 keep_titles: bool | Iterable[str] = False, councils: bool = False) -> Path:
    """Copy the bundled content to `dest` with `langs` taken out of the texts of `items`
    (service and tutorial ids; all of them when None). `keep_titles` keeps each item's own
    title translated (a pack half done: the menus are in the language, the pages are not);
    (or only those languages' titles, when a list of codes); `councils` also takes the
    languages out of councils.json. Returns `dest`."""
    langs = set(langs)
    if not isinstance(keep_titles, bool):
        keep_titles = set(keep_titles)
    assert "en" not in langs, "English is the source: it cannot be missing"
    dest = Path(dest)
    shutil.copytree(DEFAULT_CONTENT_DIR, dest)
    wanted = None if items is None else set(items)
    for folder in ("services", "tutorials"):
        for f in (dest / folder).glob("*.json"):
            if wanted is not None and f.stem not in wanted:
                continue
            data = json.loads(f.read_text(encoding="utf-8"))
            f.write_text(json.dumps(_strip(data, langs, keep_titles), ensure_ascii=False,
                                    indent=1), encoding="utf-8")
    if wanted is not None:
        unknown = wanted - {f.stem for folder in ("services", "tutorials")
                            for f in (dest / folder).glob("*.json")}
        assert not unknown, f"no such items: {sorted(unknown)}"
    if councils and (dest / "councils.json").exists():
        f = dest / "councils.json"
        data = json.loads(f.read_text(encoding="utf-8"))
        f.write_text(json.dumps(_strip(data, langs, False), ensure_ascii=False, indent=1),
                     encoding="utf-8")
    return dest


def without(tmp_path: Path, *langs: str, items: Iterable[str] | None = None,
            keep_titles: bool | Iterable[str] = False,
            councils: bool = False) -> content.Catalogue:
    """The bundled catalogue with `langs` missing (from `items`, or everywhere), loaded.
    The language stays listed in content.json, as in a pack whose translation is partial."""
    folder = Path(tmp_path) / ("content-without-" + "-".join(sorted(langs)))
    cat = content.load(copy_without(folder, langs, items, keep_titles, councils))
    kept = set(langs) if keep_titles is True else set(keep_titles or ())
    for code in langs:
        if items is None and code not in kept:
            assert cat.share(code) == 0.0, f"{code} is still in the variant"
        else:
            assert 0.0 < cat.share(code) < 1.0, f"{code} is not partial in the variant"
    return cat


def harness(tmp_path: Path, catalogue: content.Catalogue, **kw):
    """A Harness showing `catalogue` (the variant) instead of the bundled content."""
    from kiosk.app.harness import Harness

    return Harness(data_dir=Path(tmp_path) / "kiosk-data", catalogue=catalogue, **kw)
