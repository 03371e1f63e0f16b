"""QR codes (issue 17): a code made once is drawn again at once, with no thread and no
CPU spent making it again (Help here shows the same links every visit), and moving a code
only moves its square."""

from __future__ import annotations

import threading


def test_a_code_made_before_is_ready_at_once(kiosk):
    from kiosk.app.widgets.qr import QRCode

    url = "https://www.gov.uk/browse/benefits?qr-cache-test"
    first = QRCode(url=url, size_hint=(None, None), size=(200, 200))
    assert kiosk.wait_for(lambda: first.ready)
    threads = threading.active_count()
    again = QRCode(url=url, size_hint=(None, None), size=(200, 200))
    assert again.ready  # in the same frame: no thread, no waiting
    assert threading.active_count() == threads
    assert again._rows == first._rows
    texture = again._rect.texture
    again.pos = (40, 60)
    again.size = (120, 300)
    assert again._rect.texture is texture  # the texture is made once per code
    assert tuple(again._rect.size) == (120, 120)
    assert tuple(again._rect.pos) == (40, 60 + 90)
