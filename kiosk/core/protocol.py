"""The protocol between a terminal and the hub: routes, limits, patterns and headers.

Both sides import this module (the hub's routes and checks, the terminal's client and
uploader), so a limit or a path is written once and the two cannot disagree. Pure data.
"""

from __future__ import annotations

import re

# --- routes --------------------------------------------------------------------------------
API_PREFIX = "/api/v1"

# Relative to API_PREFIX (what the terminal's client asks for) ...
ENROL = "enrol"
MANIFEST = "content/manifest.json"
SIGNATURE = "content/manifest.sig"
FILES = "content/files"  # + "/<sha256>"
EVENTS = "events"
CONFIG = "config"                 # GET: this terminal's configuration layers (ETag, 304)
CONFIG_REPORT = "config/report"   # POST: the configuration the terminal actually uses
HEARTBEAT = "heartbeat"           # POST: how the terminal is (core/heartbeat.py); the answer
                                  # carries the remote actions queued for it
TOKEN_CONFIRM = "token/confirm"   # POST with a replacement token: from then on only it works


def path(route: str) -> str:
    """The absolute path of a route: path(EVENTS) == "/api/v1/events"."""
    return f"{API_PREFIX}/{route}"


# --- limits --------------------------------------------------------------------------------
MAX_MANIFEST_BYTES = 1_000_000   # a pack's manifest.json (tens of thousands of files)
MAX_SIG_BYTES = 4_096            # manifest.sig (an Ed25519 signature is 64 bytes)
MAX_FILE_BYTES = 50_000_000      # one file of a pack
MAX_PATH_CHARS = 255             # one path inside a pack
MAX_EVENTS_PER_BATCH = 1000      # events in one POST /events
MAX_EVENTS_BODY = 1024 * 1024    # bytes of one POST /events (1000 real events: ~280 KB)
MAX_ACK_BYTES = 64 * 1024        # the hub's reply to POST /events
MAX_CODE_CHARS = 64              # a one-time enrolment code
MAX_CONFIG_BYTES = 512 * 1024    # a terminal's configuration document (all its layers)
MAX_CONFIG_REPORT_BYTES = 256 * 1024  # what a terminal reports it uses
MAX_HEARTBEAT_BYTES = 8 * 1024   # one heartbeat (a full one is about 1 KB)
MAX_HEARTBEAT_REPLY_BYTES = 8 * 1024  # the hub's answer: a few actions
MAX_ERROR_CHARS = 200            # the message of the last error a heartbeat carries
MAX_ACTIONS = 10                 # actions in one answer, and results in one heartbeat

# --- remote actions (queued on the hub, delivered in the answer to a heartbeat) ------------
RESTART = "restart"                       # restart the kiosk app
LEAVE_MAINTENANCE = "leave_maintenance"   # end maintenance mode
REPLACE_TOKEN = "replace_token"           # a new token comes with it; TOKEN_CONFIRM ends
ACTIONS = (RESTART, LEAVE_MAINTENANCE, REPLACE_TOKEN)  # the old one

# --- patterns ------------------------------------------------------------------------------
SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
# A UUID in its canonical form (lowercase, hyphenated), as str(uuid.UUID(...)) gives.
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")

# --- what a terminal says about itself on every request ------------------------------------
USER_AGENT_PREFIX = "kiosk/"                         # User-Agent: kiosk/<app version>
APP_VERSION_RE = re.compile(r"^kiosk/([0-9A-Za-z.+\-]{1,40})(?:\s|$)")
CONTENT_VERSION_HEADER = "X-Kiosk-Content-Version"   # the installed pack's version
QUEUE_HEADER = "X-Kiosk-Queue"                       # events still queued (on uploads)
