"""Simple line icons drawn on the canvas (no icon font needed), always shown beside a word.
Icons that point (back, forward) are mirrored for right-to-left languages; letters and the
tick never are (they read the same way in every script)."""

from __future__ import annotations

import math

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, Triangle
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.widget import Widget

# Drawn the same way whatever the direction of the language: the "Aa" of Text size is
# letters, and a tick is not mirrored in right-to-left interfaces either.
NEVER_MIRRORED = frozenset({"text", "check"})


class Icon(Widget):
    name = StringProperty("")
    colour = ListProperty([0, 0, 0, 1])
    colour_name = StringProperty("")
    """A Theme field: when set, the icon takes its colour from the theme and follows it."""
    mirrored = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        redraw = Clock.create_trigger(self.draw, -1)  # once per frame, after layout
        for prop in ("name", "colour", "mirrored", "pos", "size"):
            self.fbind(prop, redraw)
        if self.colour_name:
            self.restyle()
        redraw()

    def restyle(self, *_):
        if self.colour_name:
            self.colour = getattr(App.get_running_app().theme, self.colour_name)

    def draw(self, *_):
        self.canvas.clear()
        if not self.name:
            return
        s = min(self.width, self.height)
        x0 = self.center_x - s / 2
        y0 = self.center_y - s / 2
        w = max(1.5, s / 12)
        m = -1 if self.mirrored and self.name not in NEVER_MIRRORED else 1

        def p(u, v):  # unit square (0..1) to widget coordinates, mirrored when asked
            if m < 0:
                u = 1 - u
            return x0 + u * s, y0 + v * s

        def line(*uv, close=False):
            pts = []
            for u, v in uv:
                pts.extend(p(u, v))
            Line(points=pts, width=w, close=close, cap="round", joint="round")

        with self.canvas:
            Color(*self.colour)
            n = self.name
            if n in ("back", "forward"):
                if n == "forward":
                    m = -m
                line((0.85, 0.5), (0.15, 0.5))
                line((0.45, 0.82), (0.15, 0.5), (0.45, 0.18))
            elif n in ("up", "down"):
                top, bottom = (0.88, 0.12) if n == "up" else (0.12, 0.88)
                line((0.5, bottom), (0.5, top))
                line((0.2, top - (0.3 if n == "up" else -0.3)), (0.5, top),
                     (0.8, top - (0.3 if n == "up" else -0.3)))
            elif n == "language":  # a globe: the sign for language, never a flag
                cx, cy = p(0.5, 0.5)
                Line(circle=(cx, cy, s * 0.42), width=w)
                Line(ellipse=(cx - s * 0.18, cy - s * 0.42, s * 0.36, s * 0.84), width=w)
                line((0.08, 0.5), (0.92, 0.5))
            elif n == "home":
                line((0.1, 0.5), (0.5, 0.88), (0.9, 0.5))
                line((0.22, 0.6), (0.22, 0.12), (0.78, 0.12), (0.78, 0.6))
                line((0.42, 0.12), (0.42, 0.38), (0.58, 0.38), (0.58, 0.12))
            elif n == "restart":
                cx, cy = p(0.5, 0.5)
                Line(circle=(cx, cy, s * 0.36, 60, 350), width=w, cap="round")
                a = math.radians(60)
                tip = (0.5 + 0.36 * math.sin(a), 0.5 + 0.36 * math.cos(a))
                line((tip[0] - 0.2, tip[1] + 0.08), tip, (tip[0] - 0.05, tip[1] - 0.2))
            elif n == "text":
                line((0.05, 0.15), (0.3, 0.85), (0.55, 0.15))
                line((0.14, 0.4), (0.46, 0.4))
                line((0.6, 0.15), (0.77, 0.6), (0.95, 0.15))
            elif n == "contrast":
                cx, cy = p(0.5, 0.5)
                Line(circle=(cx, cy, s * 0.4), width=w)
                Ellipse(pos=(cx - s * 0.4, cy - s * 0.4), size=(s * 0.8, s * 0.8),
                        angle_start=0 if m > 0 else 180, angle_end=180 if m > 0 else 360)
            elif n == "speaker":
                line((0.1, 0.38), (0.28, 0.38), (0.5, 0.15), (0.5, 0.85), (0.28, 0.62),
                     (0.1, 0.62), close=True)
                cx, cy = p(0.5, 0.5)
                a, b = (45, 135) if m > 0 else (225, 315)
                Line(circle=(cx, cy, s * 0.22, a, b), width=w)
                Line(circle=(cx, cy, s * 0.4, a, b), width=w)
            elif n == "stop":
                a, b = p(0.22, 0.22)
                Rectangle(pos=(a, b), size=(s * 0.56, s * 0.56))
            elif n == "phone":
                line((0.28, 0.05), (0.72, 0.05), (0.72, 0.95), (0.28, 0.95), close=True)
                line((0.42, 0.15), (0.58, 0.15))
            elif n == "check":
                line((0.12, 0.5), (0.4, 0.2), (0.9, 0.8))
            elif n == "cross":
                line((0.18, 0.18), (0.82, 0.82))
                line((0.18, 0.82), (0.82, 0.18))
            elif n == "exit":  # Finish and clear: out through a door (mirrored right to left)
                line((0.5, 0.3), (0.5, 0.1), (0.1, 0.1), (0.1, 0.9), (0.5, 0.9), (0.5, 0.7))
                line((0.32, 0.5), (0.92, 0.5))
                line((0.72, 0.7), (0.92, 0.5), (0.72, 0.3))
            elif n == "help":  # a question mark in a circle (mirrored, as ؟ is, right to left)
                cx, cy = p(0.5, 0.5)
                Line(circle=(cx, cy, s * 0.44), width=w)
                hx, hy = p(0.5, 0.61)
                a, b = (-90, 180) if m > 0 else (-180, 90)
                Line(circle=(hx, hy, s * 0.14, a, b), width=w, cap="round")
                line((0.5, 0.47), (0.5, 0.36))
                dx, dy = p(0.5, 0.22)
                Ellipse(pos=(dx - w, dy - w), size=(2 * w, 2 * w))
            elif n == "speaker_off":  # Read aloud without a voice: the speaker, struck through
                line((0.1, 0.38), (0.28, 0.38), (0.5, 0.15), (0.5, 0.85), (0.28, 0.62),
                     (0.1, 0.62), close=True)
                line((0.62, 0.3), (0.92, 0.7))
                line((0.62, 0.7), (0.92, 0.3))
            elif n == "open":
                line((0.55, 0.9), (0.1, 0.9), (0.1, 0.1), (0.9, 0.1), (0.9, 0.45))
                line((0.45, 0.55), (0.92, 0.92))
                Triangle(points=[*p(0.95, 0.95), *p(0.62, 0.95), *p(0.95, 0.62)])
