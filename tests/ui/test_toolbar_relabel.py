"""A language switch gives the toolbar the new language's words and direction instead of
building a new bar (issue 17): the relabelled bar must look exactly like a new one, in
every language it passes through, right to left and back, at 100 % and 200 %."""

from __future__ import annotations


def _looks(bar, window_width):
    """What a reader sees of the bar: each button's words, font, alignment, pointing icon,
    state and place from left to right."""
    shown = [b for b in bar.buttons.values() if b.get_root_window() is not None]
    out = []
    for name, b in sorted(bar.buttons.items()):
        out.append((name, b.label.text, b.label.font_name, b.label.font_script_name,
                    b.label.font_direction, b.label.halign, round(b.label.font_size, 1),
                    b.icon.mirrored, b.disabled, tuple(b.bg), b.parent is not None))
    order = [n for n, b in sorted(bar.buttons.items(), key=lambda kv: kv[1].to_window(
        *kv[1].pos)[0]) if b in shown]
    return out, order, round(bar.height), tuple(round(b.width) for b in shown)


def test_relabelled_toolbar_is_the_new_one(kiosk):
    from kiosk.app.widgets.toolbar import Toolbar

    h = kiosk
    h.app.start_session()
    h.app.choose_language("en")
    h.app.go("services")
    h.frames(3)
    bar = h.app.toolbar
    kept = 0
    for scale in (1.0, 2.0):
        while h.app.text_scale != scale:
            h.app.cycle_text_size()
            h.frames(3)
        for code in ("ar", "ur", "bn", "ta", "en", "fa", "pl", "ar"):
            h.app.switch_language(code)
            h.frames(3)
            if h.app.toolbar is not bar:  # no voice in one of the two: a new bar, as before
                bar = h.app.toolbar
                continue
            assert bar.lang == code
            kept += 1
            relabelled = _looks(bar, h.window.width)
            # A new bar for the same language, in the same place.
            slot = h.app.toolbar_slot
            slot.clear_widgets()
            fresh = Toolbar()
            fresh.show_back(True)
            slot.add_widget(fresh)
            h.frames(3)
            assert _looks(fresh, h.window.width) == relabelled, code
            slot.clear_widgets()
            slot.add_widget(bar)
            h.frames(2)
    assert kept >= 12  # the bar was kept (not built again) in most switches
