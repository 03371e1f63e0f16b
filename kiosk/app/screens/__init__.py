"""Every screen, by the name navigation uses. Modules are imported on first use, so start-up
loads only the attract screen."""

from __future__ import annotations

import importlib

_WHERE = {
    "attract": ("attract", "AttractScreen"),
    "language": ("language", "LanguageScreen"),
    "home": ("home", "HomeScreen"),
    "services": ("services", "ServicesScreen"),
    "service": ("services", "ServiceScreen"),
    "guide": ("services", "GuideScreen"),
    "tutorials": ("tutorials", "TutorialsScreen"),
    "lesson": ("tutorials", "LessonScreen"),
    "tutorial_done": ("tutorials", "TutorialDoneScreen"),
    "help_here": ("help_here", "HelpHereScreen"),
    "staff": ("kiosk.app.staff.panel", "StaffPanel"),  # behind the gesture and PIN
}


class _Screens(dict):
    def __missing__(self, name: str):
        module, cls = _WHERE[name]
        path = module if "." in module else f"{__name__}.{module}"
        found = self[name] = getattr(importlib.import_module(path), cls)
        return found

    def __contains__(self, name) -> bool:
        return name in _WHERE


SCREENS = _Screens()
