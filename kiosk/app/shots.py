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
               contrast: bool = False, all_pages: bool = False) -> list[Path]:
    """Render the shots; progress(done, total) is called after each one (the shape of
    clikit.Progress.update)."""
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
                h.screen.steps[0].set_expanded(True, record=False)
            made.append(h.screenshot(out / f"{lang}-{file_name}.png"))
            if progress:
                progress(len(made), len(shots))
    finally:
        if harness is None:
            h.close()
    return made
