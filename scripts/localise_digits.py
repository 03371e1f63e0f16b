"""Write the numbers of a language's content texts in the language's own digits
(kiosk.core.digits: Bengali ০-৯, Persian ۰-۹), leaving what is dialled, typed or met in Latin
letters as it is. For bringing in translations: `python scripts/localise_digits.py fa`.
Prints how many texts changed; tests/unit/test_form_of_address.py checks the result."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from kiosk.core import digits, po
from kiosk.core.settings import DEFAULT_CONTENT_DIR


def main(lang: str, src: Path = DEFAULT_CONTENT_DIR) -> int:
    changed = 0
    for file in sorted({p.file for p in po.places(src)}):
        path = src / file
        doc = json.loads(path.read_text(encoding="utf-8"))
        keys = frozenset(k for lesson in doc.get("lessons", [])
                         if (lesson.get("practice") or {}).get("type") == "type_this"
                         for k in re.findall(r"\d+", lesson["practice"]["answer"]))
        texts = {}
        for pointer, text in po._walk(doc):
            if text.get(lang):
                new = digits.localise(text[lang], lang, keys)
                if new != text[lang]:
                    texts[f"{file}#{pointer}"] = new
        changed += po.apply(src, lang, texts, None)
    print(f"{lang}: {changed} texts now in the language's digits")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
