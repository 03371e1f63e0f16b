"""The staff panel's Status tells staff of a damaged content store set aside at start and of
a full disk (issue 15), each in its own words: the content's row says the content was kept
aside (not the usage events'), and a Disk row in red says what a full disk stops and what
to do. The terminal's data folder is on a small tmpfs of its own, filled up for real."""

from __future__ import annotations

from pathlib import Path

from kiosk.services import damaged
from tests.e2e.test_full_disk_sync import fill, small_disk  # noqa: F401 (a fixture)
from tests.ui.staff import open_panel, set_pin, status_ready


def test_the_panel_says_content_was_set_aside_and_the_disk_is_full(small_disk):  # noqa: F811
    from kiosk.app.harness import Harness

    data = small_disk / "terminal"
    h = Harness(data_dir=data)
    try:
        set_pin(h)
        h.outbox.flush()
        damaged.note_set_aside(data, "content", Path(data / "content.damaged-20261203T1900Z"),
                               "services/blue-badge.json: its bytes no longer match")
        open_panel(h)
        values = status_ready(h).status.values
        assert "Disk" not in values  # space enough
        content = values["Content"].text
        assert "content was damaged" in content and "kept aside" in content
        assert "usage events could not be read" not in values["Usage events"].text

        filler = fill(small_disk, leave=16 * 1024)
        h.tap(h.screen.nav_buttons["status"])  # read again, as staff coming back would
        status_ready(h)
        assert h.wait_for(lambda: "Disk" in h.screen.status.values, 20)
        disk = h.screen.status.values["Disk"]
        assert disk.text.startswith("Full:") and "Free space" in disk.text
        assert disk.colour_name == "error"
        filler.unlink()
    finally:
        h.close()
