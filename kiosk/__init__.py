"""Connecting London: a public-access kiosk for e-government and digital skills."""

__version__ = "0.1.0"
