"""The kiosk's bundled files as package data (kiosk.assets): fonts, keyboard layouts and
the demo content. See kiosk/core/resources.py."""
