"""The `staff_panel` benchmark: UI-thread time to open the staff panel.

Target (issue 11): opening the staff panel under 100 ms of UI-thread time. Measured through
the real app (kiosk.app.harness) from the moment the PIN is accepted, over a citizen's
session in English and in Arabic, as it happens: the session ends through the one reset path
(its session_end, the attract screen), the panel is built, and its status, read from disk on
a worker thread, is shown when it arrives. The UI thread's CPU time (time.thread_time, so
the worker threads reading disk and the hub are not counted) is summed over every frame
until the status is on the screen. Baseline for context: a bare Kivy Screen with one Label,
built the same way.
"""

from __future__ import annotations

import statistics
import time

from common import Result, Settings

TARGET_MS = 100.0


def _ui_ms(fn) -> float:
    start = time.thread_time()
    fn()
    return (time.thread_time() - start) * 1000


def bench_staff_panel(settings: Settings) -> Result:
    try:
        from kiosk.app.harness import Harness
    except ImportError as exc:
        return Result.not_available("staff_panel", f"kiosk.app.harness cannot be imported: "
                                                   f"{exc}")
    from kivy.clock import Clock
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import Screen

    from kiosk.app.staff.access import StaffMode

    h = Harness()
    app = h.app
    app.services.staff_access.set_pin("480913")
    app.staff = StaffMode(app)
    runs = max(5, settings.runs)
    opened: dict[str, list[float]] = {}
    first_frame: list[float] = []
    baseline: list[float] = []
    try:
        for lang in ("en", "ar"):
            for i in range(runs + 1):  # the first of each language warms caches up
                app.start_session()
                app.choose_language(lang)
                app.go("services")
                h.frames(2)
                # As the pad does it: the PIN's check answers through Clock, in a frame.
                Clock.schedule_once(lambda dt: app.staff.open_panel(), -1)
                ui = _ui_ms(lambda: h.frames(1))
                first = ui
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    panel = app.current
                    if getattr(panel, "status", None) is not None and panel.status.actions:
                        break
                    ui += _ui_ms(lambda: h.frames(1))
                    time.sleep(0.002)  # the worker thread reads the status meanwhile
                else:
                    raise RuntimeError("the panel's status never showed")
                ui += _ui_ms(lambda: h.frames(1))  # the frame that lays the status out
                if i:
                    opened.setdefault(lang, []).append(ui)
                    first_frame.append(first)
                app.staff.close_panel()
                h.frames(2)

                def bare():
                    s = Screen(name=f"bare{time.monotonic_ns()}")
                    s.add_widget(Label(text="Hello"))
                    app.manager.add_widget(s)
                    app.manager.current = s.name
                    h.frames(1)
                    app.manager.remove_widget(s)

                baseline.append(_ui_ms(bare))
    finally:
        h.close()
    medians = {lang: statistics.median(v) for lang, v in opened.items() if v}
    worst_lang = max(medians, key=medians.get)
    worst = medians[worst_lang]
    base = statistics.median(baseline)
    return Result.checked(
        "staff_panel", worst < TARGET_MS,
        measured=f"median {worst:.1f} ms ({worst_lang})",
        baseline=f"bare Screen {base:.1f} ms",
        figure=f"{worst:.1f} ms",
        target=f"< {TARGET_MS:.0f} ms UI thread",
        note="median UI-thread ms from the PIN accepted to the status shown: " +
             ", ".join(f"{k} {v:.1f}" for k, v in sorted(medians.items())) +
             f"; of which the first frame (session ended, panel built) "
             f"{statistics.median(first_frame):.1f}",
        data={"median_ms": medians, "first_frame_ms": statistics.median(first_frame),
              "baseline_ms": base, "runs": runs})
