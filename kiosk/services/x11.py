"""The few X11 calls the official-service browser needs, through ctypes (libX11, libXss).

- How long since the last input anywhere on the screen (the XScreenSaver extension's idle
  time): the session's idle timeout also applies while the browser covers the kiosk.
- The browser's windows (by `_NET_WM_PID`), kept in the area below the kiosk's bar, and
  lowered under the kiosk or raised again (the idle warning must be seen).
- A picture of the whole screen as PNG (screenshots of the browser under the bar).

A `Display` is one connection to the X server, used by one thread at a time (the browser's
watcher thread has its own). Without X (Wayland, no libX11 or libXss) `open_display`
returns None and `idle_ms` None: callers fall back (see docs/architecture.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_c_window = ctypes.c_ulong
_c_atom = ctypes.c_ulong


class _ScreenSaverInfo(ctypes.Structure):
    _fields_ = [("window", _c_window), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong),
                ("event_mask", ctypes.c_ulong)]


class _WindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                ("depth", ctypes.c_int), ("visual", ctypes.c_void_p), ("root", _c_window),
                ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
                ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
                ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
                ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
                ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
                ("screen", ctypes.c_void_p)]


class _Image(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int), ("red_mask", ctypes.c_ulong),
                ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong)]


_IS_VIEWABLE = 2
_XA_CARDINAL = 6
_ZPIXMAP = 2
_ALL_PLANES = ctypes.c_ulong(0xFFFFFFFF)

_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _ignore(display, event):  # a window that vanished between two calls: not fatal
    return 0


_ignore_errors = _ERROR_HANDLER(_ignore)  # kept: Xlib calls it as long as the process runs


_libs: tuple | None = None


def _load():
    """libX11 and libXss, with the signatures used here; None when either is missing."""
    global _libs
    if _libs is None:
        try:
            x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
            ss = ctypes.CDLL(ctypes.util.find_library("Xss") or "libXss.so.1")
        except OSError:
            _libs = (None, None)
            return _libs
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x.XDefaultRootWindow.restype = _c_window
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XInternAtom.restype = _c_atom
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XQueryTree.argtypes = [ctypes.c_void_p, _c_window, ctypes.POINTER(_c_window),
                                 ctypes.POINTER(_c_window),
                                 ctypes.POINTER(ctypes.POINTER(_c_window)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XGetWindowProperty.argtypes = [
            ctypes.c_void_p, _c_window, _c_atom, ctypes.c_long, ctypes.c_long, ctypes.c_int,
            _c_atom, ctypes.POINTER(_c_atom), ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_void_p)]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, _c_window,
                                           ctypes.POINTER(_WindowAttributes)]
        x.XMoveResizeWindow.argtypes = [ctypes.c_void_p, _c_window, ctypes.c_int,
                                        ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
        x.XRaiseWindow.argtypes = [ctypes.c_void_p, _c_window]
        x.XLowerWindow.argtypes = [ctypes.c_void_p, _c_window]
        x.XFlush.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XGetImage.restype = ctypes.POINTER(_Image)
        x.XGetImage.argtypes = [ctypes.c_void_p, _c_window, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.POINTER(_Image)]
        x.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
        x.XSetErrorHandler.restype = ctypes.c_void_p
        ss.XScreenSaverQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                                  ctypes.POINTER(ctypes.c_int)]
        ss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_ScreenSaverInfo)
        ss.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, _c_window,
                                             ctypes.POINTER(_ScreenSaverInfo)]
        _libs = (x, ss)
    return _libs


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int
    viewable: bool = True


class Display:
    """One connection to the X server. Not shared between threads."""

    def __init__(self, handle, x, ss):
        self._d, self._x, self._ss = handle, x, ss
        self.root = x.XDefaultRootWindow(handle)
        self._pid_atom = x.XInternAtom(handle, b"_NET_WM_PID", False)
        a, b = ctypes.c_int(), ctypes.c_int()
        self._has_idle = bool(ss.XScreenSaverQueryExtension(handle, ctypes.byref(a),
                                                            ctypes.byref(b)))
        self._info = ss.XScreenSaverAllocInfo() if self._has_idle else None

    def close(self) -> None:
        if self._d:
            if self._info:
                self._x.XFree(self._info)
                self._info = None
            self._x.XCloseDisplay(self._d)
            self._d = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # input --------------------------------------------------------------------------
    def idle_ms(self) -> int | None:
        """Milliseconds since the last input anywhere on this X screen (None: not known)."""
        if not self._has_idle:
            return None
        if not self._ss.XScreenSaverQueryInfo(self._d, self.root, self._info):
            return None
        return int(self._info.contents.idle)

    # windows ------------------------------------------------------------------------
    def _children(self, window) -> list[int]:
        root, parent = _c_window(), _c_window()
        kids, n = ctypes.POINTER(_c_window)(), ctypes.c_uint()
        if not self._x.XQueryTree(self._d, window, ctypes.byref(root), ctypes.byref(parent),
                                  ctypes.byref(kids), ctypes.byref(n)):
            return []
        try:
            return [kids[i] for i in range(n.value)]
        finally:
            if kids:
                self._x.XFree(kids)

    def window_pid(self, window) -> int | None:
        kind, fmt = _c_atom(), ctypes.c_int()
        n, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        ok = self._x.XGetWindowProperty(self._d, window, self._pid_atom, 0, 1, False,
                                        _XA_CARDINAL, ctypes.byref(kind), ctypes.byref(fmt),
                                        ctypes.byref(n), ctypes.byref(after),
                                        ctypes.byref(data))
        if ok != 0 or not data.value:
            return None
        try:
            if fmt.value != 32 or n.value < 1:
                return None
            return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0])
        finally:
            self._x.XFree(data)

    def windows_of(self, pids) -> list[int]:
        """Top-level windows (children of the root, or one level below under a window
        manager's frames) whose _NET_WM_PID is one of `pids`."""
        pids = set(pids)
        found = []
        for w in self._children(self.root):
            if self.window_pid(w) in pids:
                found.append(w)
                continue
            found += [c for c in self._children(w) if self.window_pid(c) in pids]
        return found

    def stacking(self) -> list[int]:
        """The top-level windows from the bottom of the stack to the top."""
        return self._children(self.root)

    def geometry(self, window) -> Geometry | None:
        a = _WindowAttributes()
        if not self._x.XGetWindowAttributes(self._d, window, ctypes.byref(a)):
            return None
        return Geometry(a.x, a.y, a.width, a.height, a.map_state == _IS_VIEWABLE)

    def move_resize(self, window, x: int, y: int, width: int, height: int) -> None:
        self._x.XMoveResizeWindow(self._d, window, x, y, max(1, width), max(1, height))
        self._x.XFlush(self._d)

    def raise_window(self, window) -> None:
        self._x.XRaiseWindow(self._d, window)
        self._x.XFlush(self._d)

    def lower_window(self, window) -> None:
        self._x.XLowerWindow(self._d, window)
        self._x.XFlush(self._d)

    def sync(self) -> None:
        self._x.XSync(self._d, False)

    # pictures -----------------------------------------------------------------------
    def screenshot(self, path: str | Path) -> Path:
        """The whole screen (what a person sees, every window) as a PNG file."""
        width, height, rgb = self.capture()
        stride = 3 * width
        rows = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_png(width, height, rows))
        return path

    def capture(self) -> tuple[int, int, bytes]:
        """The whole screen as (width, height, RGB bytes, row after row)."""
        g = self.geometry(self.root)
        image = self._x.XGetImage(self._d, self.root, 0, 0, g.width, g.height, _ALL_PLANES,
                                  _ZPIXMAP)
        if not image:
            raise OSError("XGetImage failed")
        try:
            im = image.contents
            if im.bits_per_pixel != 32:
                raise OSError(f"unsupported screen depth ({im.bits_per_pixel} bits per pixel)")
            stride = im.bytes_per_line
            raw = ctypes.string_at(im.data, stride * im.height)
            rgb = bytearray(3 * im.width * im.height)
            for y in range(im.height):
                line = raw[y * stride:y * stride + 4 * im.width]
                out = 3 * im.width * y  # BGRX (little-endian 24-bit depth) to RGB
                rgb[out:out + 3 * im.width:3] = line[2::4]
                rgb[out + 1:out + 3 * im.width:3] = line[1::4]
                rgb[out + 2:out + 3 * im.width:3] = line[0::4]
            return im.width, im.height, bytes(rgb)
        finally:
            self._x.XDestroyImage(image)


def _png(width: int, height: int, scanlines: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + \
        chunk(b"IDAT", zlib.compress(scanlines, 6)) + chunk(b"IEND", b"")


def open_display(name: str | None = None) -> Display | None:
    """A new connection to the X server ($DISPLAY unless named); None without X."""
    name = name if name is not None else os.environ.get("DISPLAY")
    if not name:
        return None
    x, ss = _load()
    if x is None:
        return None
    x.XSetErrorHandler(_ignore_errors)
    handle = x.XOpenDisplay(name.encode())
    if not handle:
        return None
    return Display(handle, x, ss)
