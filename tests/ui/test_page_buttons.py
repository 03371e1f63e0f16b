"""Long pages move with Up and Down buttons: scrolling never needs a drag."""

from __future__ import annotations


def test_up_and_down_move_a_long_page(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.app.go("guide", id="universal-credit")
    h.frames(3)
    screen = h.screen
    screen.toggle_all()
    h.frames(3)
    assert screen.rail.width > 0 and screen.rail.opacity == 1
    assert screen.scroll.scroll_y == 1
    h.tap(screen.page_down)
    down_once = screen.scroll.scroll_y
    assert down_once < 1
    for _ in range(30):
        h.tap(screen.page_down)
    assert screen.scroll.scroll_y == 0, "Down reaches the end of the page"
    h.tap(screen.page_up)
    assert 0 < screen.scroll.scroll_y < 1


def test_no_page_buttons_when_the_page_fits(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["en"])
    h.frames(3)
    assert h.screen.__class__.__name__ == "HomeScreen"
    assert h.screen.rail.width == 0 and h.screen.rail.disabled


def test_page_buttons_sit_on_the_left_in_arabic(kiosk):
    h = kiosk
    h.tap(h.screen.start)
    h.tap(h.screen.choices["ar"])
    h.app.go("services")
    h.frames(3)
    rail_x = h.screen.rail.to_window(*h.screen.rail.pos)[0]
    assert h.screen.rail.width > 0 and rail_x < h.window.width / 2
