"""`kiosk shots` for reviewers: bigger text, high contrast, and every page of every guide
and lesson (small: one language, one service and one tutorial)."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.cli import parser
from kiosk.core import content
from kiosk.core.settings import DEFAULT_CONTENT_DIR


def small_catalogue():
    full = content.load(DEFAULT_CONTENT_DIR)
    return dataclasses.replace(
        full, services={"register-to-vote": full.services["register-to-vote"]},
        tutorials={"using-a-touchscreen": full.tutorials["using-a-touchscreen"]})


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    from kiosk.app.harness import Harness

    harness = Harness(data_dir=tmp_path_factory.mktemp("shots"), catalogue=small_catalogue())
    yield harness
    harness.close()


def test_the_flags_parse():
    args = parser().parse_args(["shots", "--out", "x", "--text-size", "200", "--contrast",
                                "--all-pages"])
    assert (args.text_size, args.contrast, args.all_pages) == (200, True, True)
    args = parser().parse_args(["shots", "--out", "x"])
    assert (args.text_size, args.contrast, args.all_pages) == (100, False, False)
    with pytest.raises(SystemExit):
        parser().parse_args(["shots", "--out", "x", "--text-size", "120"])


def test_all_pages_renders_every_guide_and_lesson_page(h, tmp_path):
    from kiosk.app.shots import render_all

    reported = []
    made = render_all(h.settings, tmp_path, ["ar"], harness=h, all_pages=True,
                      screens=["service-start", "guide", "lesson"],
                      progress=lambda done, total: reported.append((done, total)))
    # progress(done, total) after each shot, the shape of clikit.Progress.update
    assert reported == [(n, 6) for n in range(1, 7)]
    names = sorted(p.name for p in made)
    assert names == sorted(["ar-service-start-register-to-vote.png",
                            "ar-guide-register-to-vote.png",
                            *(f"ar-lesson-using-a-touchscreen-{n}.png" for n in range(1, 5))])
    assert all(p.stat().st_size > 5000 for p in made)


@pytest.mark.parametrize("size", [150, 200])
def test_text_size_and_contrast_apply_to_the_shots(h, tmp_path, monkeypatch, size):
    from kiosk.app.shots import render_all
    from kiosk.core import theme

    seen = []
    take = h.screenshot

    def screenshot(path):
        seen.append((h.app.text_scale, h.app.theme.name))
        return take(path)

    monkeypatch.setattr(h, "screenshot", screenshot)
    made = render_all(h.settings, tmp_path, ["bn"], harness=h, screens=["attract", "home"],
                      text_size=size, contrast=True)
    assert [p.name for p in made] == ["bn-attract.png", "bn-home.png"]
    # The attract screen comes before a session: neither applies there.
    assert seen == [(1.0, theme.STANDARD.name), (size / 100, theme.HIGH_CONTRAST.name)]


def test_a_review_sheet_shows_the_language_beside_english(h, tmp_path):
    """`kiosk shots --lang ur --review`: each page in Urdu beside English, in index.html."""
    from kiosk.app.shots import render_all, write_review

    made = render_all(h.settings, tmp_path, ["ur", "en"], harness=h, all_pages=True,
                      screens=["home", "lesson", "guide"], whole_pages=True)
    index = write_review(tmp_path, "ur", made, h.app.catalogue)
    page = index.read_text(encoding="utf-8")
    for n in range(1, 5):
        name = f"lesson-using-a-touchscreen-{n}.png"
        assert (tmp_path / f"ur-{name}").exists() and (tmp_path / f"en-{name}").exists()
        shown = name if f'src="ur-{name}"' in page else name.replace(".png", "-page.png")
        assert f'src="en-{shown}"' in page and f'src="ur-{shown}"' in page
    assert page.index('src="en-home.png"') < page.index('src="ur-home.png"')
    assert "Tutorial “Using a touchscreen”, page 1: Tap to choose" in page
    assert 'lang="ur" dir="rtl"' in page and "Review status: unreviewed" in page
    # A guide with every step open, whole, below the fold too.
    assert 'src="ur-guide-register-to-vote-page.png"' in page
    assert "Guide: Register to vote" in page


def test_review_needs_one_language_other_than_english(capsys):
    from kiosk.cli import main

    assert main(["shots", "--out", "x", "--review"]) != 0
    assert "--review is for one language" in capsys.readouterr().err
