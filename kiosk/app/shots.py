"""`kiosk shots`: every main screen, in each language asked for, rendered to PNG headless."""

from __future__ import annotations

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


def render_all(settings, out: Path, langs: list[str], progress: bool = False,
               harness=None, screens: list[str] | None = None) -> list[Path]:
    from kiosk.app.harness import Harness

    h = harness or Harness(settings=settings)  # a temporary data dir: no real events
    if langs == ["all"]:
        langs = list(h.catalogue.languages)
    made = []
    try:
        for lang in langs:
            for name, place in JOURNEY:
                if screens and name not in screens:
                    continue
                h.app.end_session("start_again")
                if name != "attract":
                    h.app.start_session()
                if place:
                    h.app.choose_language(lang)
                    h.app.go(place[0], **place[1])
                h.frames(2)  # lists and guides add their lower part on the next frame
                if name == "guide":
                    h.screen.steps[0].set_expanded(True, record=False)
                made.append(h.screenshot(out / f"{lang}-{name}.png"))
                if progress:
                    print(f"  {made[-1]}", flush=True)
    finally:
        if harness is None:
            h.close()
    return made
