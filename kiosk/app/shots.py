"""`kiosk shots`: every main screen, in each language asked for, rendered to PNG headless;
for reviewers, at a bigger text size, in high contrast, and every page of every guide and
lesson (`all_pages`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# (file name, how to get there from a fresh session in the chosen language)
JOURNEY = [
    ("attract", None),
    ("language", None),
    ("home", ("home", {})),
    ("services", ("services", {})),
    ("service-start", ("service", {"id": "register-to-vote"})),
    ("guide", ("guide", {"id": "register-to-vote"})),
    ("tutorials", ("tutorials", {})),
    ("lesson", ("lesson", {"id": "using-a-touchscreen", "index": 0})),
    ("help-here", ("help_here", {})),
]
TEXT_SIZES = (100, 150, 200)


def pages(catalogue, all_pages: bool) -> list[tuple[str, str, tuple | None]]:
    """(screen in JOURNEY, file name, place) for every shot; with all_pages, the start page
    and guide of every service and every page of every lesson, named by id (and page)."""
    out = []
    for name, place in JOURNEY:
        if not all_pages or name not in ("service-start", "guide", "lesson"):
            out.append((name, name, place))
        elif name == "lesson":
            for tid, t in catalogue.tutorials.items():
                out += [(name, f"lesson-{tid}-{i + 1}", ("lesson", {"id": tid, "index": i}))
                        for i in range(len(t.lessons))]
        else:
            screen = place[0]
            out += [(name, f"{name}-{sid}", (screen, {"id": sid}))
                    for sid in catalogue.services]
    return out


def render_all(settings, out: Path, langs: list[str],
               progress: Callable[[int, int], None] | None = None,
               harness=None, screens: list[str] | None = None, text_size: int = 100,
               contrast: bool = False, all_pages: bool = False,
               whole_pages: bool = False) -> list[Path]:
    """Render the shots; progress(done, total) is called after each one (the shape of
    clikit.Progress.update). With `whole_pages` (review sheets), a guide has every step open
    and each scrolling page is also written whole, below the fold too (NAME-page.png)."""
    from kiosk.app.harness import Harness

    if text_size not in TEXT_SIZES:
        raise ValueError(f"text size {text_size} is not one of {TEXT_SIZES}")
    h = harness or Harness(settings=settings)  # a temporary data dir: no real events
    if langs == ["all"]:
        langs = list(h.catalogue.languages)
    made = []
    shots = [(lang, name, file_name, place) for lang in langs
             for name, file_name, place in pages(h.app.catalogue, all_pages)
             if not screens or name in screens]
    try:
        for lang, name, file_name, place in shots:
            app = h.app
            app.end_session("start_again")
            app.start_session()
            if name == "attract":
                # After a visit in `lang`: its thank-you, and its turn of the greeting
                # (text size and contrast belong to a session: not on this screen).
                app.choose_language(lang)
                app.end_session("finished")
                attract = h.screen
                for _ in attract.codes:
                    if (attract.start.text_lang or "en") == lang:
                        break
                    attract._rotate()
            else:
                if place:
                    app.choose_language(lang)
                # As a citizen would have set them before coming to the screen: each
                # screen is built in that state.
                app.text_scale = text_size / 100
                if contrast and not app.high_contrast:
                    app.toggle_contrast()
                if place:
                    app.go(place[0], **place[1])
                elif text_size != 100 or contrast:
                    app.rebuild()
            h.frames(2)  # lists and guides add their lower part on the next frame
            if name == "guide":
                for step in h.screen.steps[:None if whole_pages else 1]:
                    step.set_expanded(True, record=False)
            made.append(h.screenshot(out / f"{lang}-{file_name}.png"))
            page, scroll = getattr(h.screen, "page", None), getattr(h.screen, "scroll", None)
            if whole_pages and page is not None and scroll is not None and \
                    page.height > scroll.height:
                page.export_to_png(str(out / f"{lang}-{file_name}-page.png"))
            if progress:
                progress(len(made), len(shots))
    finally:
        if harness is None:
            h.close()
    return made


def _page_title(catalogue, file_name: str) -> str:
    """What a shot shows, in English, for the review index."""
    for sid, s in catalogue.services.items():
        if file_name.endswith(f"-{sid}"):
            kind = "Start page" if file_name.startswith("service-start") else "Guide"
            return f"{kind}: {s.title.get('en')}"
    for tid, t in catalogue.tutorials.items():
        prefix = f"lesson-{tid}-"
        if file_name.startswith(prefix):
            n = int(file_name[len(prefix):])
            return f"Tutorial “{t.title.get('en')}”, page {n}: {t.lessons[n - 1].title.get('en')}"
    return f"Screen: {file_name.replace('-', ' ')}"


def write_review(out: Path, lang: str, made: list[Path], catalogue) -> Path:
    """out/index.html: every shot of `lang` beside the same page in English, for a native
    reviewer to check a language in one sitting."""
    import html

    from kiosk.core import languages

    language = languages.get(lang)
    review = catalogue.review(lang)
    status = review.describe() if review else "source language"
    names = sorted({p.name.split("-", 1)[1] for p in made if p.name.startswith(f"{lang}-")},
                   key=lambda n: [p.name for p in made].index(f"{lang}-{n}"))
    rows = []
    for i, name in enumerate(names, 1):
        title = html.escape(_page_title(catalogue, name.removesuffix(".png")))
        whole = name.replace(".png", "-page.png")
        if (out / f"{lang}-{whole}").exists() and (out / f"en-{whole}").exists():
            name = whole  # the whole page, below the fold too
        rows.append(
            f'<section id="p{i}"><h2>{i}. {title}</h2><div class="pair">'
            f'<figure><figcaption>English</figcaption><img src="en-{html.escape(name)}" '
            f'alt="English: {title}" loading="lazy"></figure>'
            f'<figure><figcaption lang="{lang}" dir="{language.direction}">'
            f'{html.escape(language.native_name)}</figcaption><img src="{lang}-'
            f'{html.escape(name)}" alt="{html.escape(language.english_name)}: {title}" '
            f'loading="lazy"></figure></div>'
            f'<p class="note">Page {i}: is the text correct, plain and complete? Does it fit? '
            f'Note anything wrong with the page number.</p></section>')
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Review: {html.escape(language.english_name)} ({html.escape(language.native_name)})</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
.pair {{ display: flex; gap: 1em; flex-wrap: wrap; }}
figure {{ margin: 0; flex: 1 1 40em; }}
img {{ width: 100%; border: 1px solid #888; }}
figcaption {{ font-weight: bold; margin-bottom: .3em; }}
section {{ margin-bottom: 2.5em; }}
</style></head><body>
<h1>Review sheet: {html.escape(language.english_name)} ({html.escape(language.native_name)})</h1>
<p>Every screen of the kiosk and every page of its guides and tutorials, in English (left)
and in {html.escape(language.english_name)} (right): {len(names)} pages.
Review status: {html.escape(status)}.</p>
<p>Please check that each page says what the English says, in plain words, with one form of
address throughout and the terms of the glossary (docs/translation/{lang}.json). Corrections
go into the PO file (<code>kiosk-content export-po SRC --lang {lang} --out DIR</code>) or to
the content team with the page number.</p>
{"".join(rows)}
</body></html>
"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
