"""Default configuration and deployment files as package data (kiosk.config): kiosk.toml,
hub.toml, the demo centre, systemd units, the browser policy. See kiosk/core/resources.py."""
