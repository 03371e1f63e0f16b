"""The hub: the central server kiosk terminals enrol with, fetch content from and send usage
events to, and where admins see the figures.

app.py builds the FastAPI app from settings.py's HubSettings and includes the routers in
routes/ (terminals, content, events, dashboard), which ask for what they need through
deps.py; errors.py answers a busy database and a missing sign-in for every route. pages/
holds what the admin pages are made of, store.py the database and the published packs on
disk, auth.py the admin logins. The `kiosk-hub` command is kiosk/hub_cli.py.
"""
