"""The hub: the central server kiosk terminals enrol with and fetch content from.

app.py is the HTTP API (FastAPI), store.py the database and the published content on disk;
the `kiosk-hub` command is kiosk/hub_cli.py.
"""
