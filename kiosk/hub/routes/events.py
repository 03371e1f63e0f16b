"""Usage statistics: POST /api/v1/events, a terminal's anonymous events in batches. Each
event id is stored once however often it is sent, and a batch is stored whole or not at
all. The body is capped while it streams in, not after.

A terminal's token must not let it make the figures up (issue 15: events dated from 2017
to 2102, at any rate): an event more than a day in the future or older than the hub keeps
raw events (retention_days) is refused with 422 naming it (the uploader sets it aside and
sends the rest), and each terminal may send at most event_batches_per_minute batches a
minute (60 unless set) (429 with Retry-After, which the uploader honours). Refused events are counted per
terminal (terminals.refused_events) for the fleet view.
"""

import json
import time

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from kiosk.core import events as event_schema
from kiosk.core import protocol
from kiosk.core.protocol import MAX_EVENTS_BODY, MAX_EVENTS_PER_BATCH
from kiosk.hub import limits, observe
from kiosk.hub.deps import UNAUTHORISED, CurrentTerminal, SettingsDep, StoreDep
from kiosk.hub.errors import BAD_JSON, BUSY, Detail

router = APIRouter(prefix=protocol.API_PREFIX, tags=["statistics"])


class EventBatch(BaseModel):
    """The body of POST /api/v1/events (checked by hand, so a mistake names the event)."""
    events: list[dict] = Field(max_length=MAX_EVENTS_PER_BATCH,
                               description="events exactly as the kiosk's event schema "
                                           "(kiosk.core.events) allows")


# What parse_batch enforces, for /openapi.json: one field, at most 1000 events, each as
# kiosk.core.events allows, nothing else.
BATCH_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["events"],
                "properties": {"events": {"type": "array", "maxItems": MAX_EVENTS_PER_BATCH,
                                          "items": event_schema.json_schema()}}}


class EventAck(BaseModel):
    accepted: int = Field(description="events stored now for the first time")
    duplicates: int = Field(description="events the hub already had (sent again after a "
                                        "lost reply): counted once")


class TooBig(Exception):
    pass


MAX_FUTURE_SECONDS = 86400  # a terminal's clock may be wrong by a day, no more


def check_times(batch: list[dict], retention_days: int, now: float) -> None:
    """BadBatch naming the first event dated more than a day ahead or older than the hub
    keeps raw events."""
    oldest, newest = now - retention_days * 86400, now + MAX_FUTURE_SECONDS
    for i, event in enumerate(batch):
        t = event["time"]
        if t > newest:
            raise BadBatch(f"event {i}: field 'time' is more than a day in the future")
        if t < oldest:
            raise BadBatch(f"event {i}: field 'time' is older than the {retention_days} "
                           "days this hub keeps events")


def count_refused(engine: sa.Engine, terminal_id: str, n: int = 1) -> None:
    from kiosk.hub.schema import terminals

    with engine.begin() as c:
        c.execute(terminals.update().where(terminals.c.id == terminal_id)
                  .values(refused_events=terminals.c.refused_events + n))


class BadBatch(ValueError):
    """A body that does not fit: the message names the event and field."""


class NotJson(BadBatch):
    """A body that is not JSON at all (400)."""


async def read_capped(request: Request, cap: int) -> bytes:
    """The request body, or TooBig as soon as it passes cap bytes (not after reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise TooBig
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > cap:
            raise TooBig
        chunks.append(chunk)
    return b"".join(chunks)


def parse_batch(body: bytes) -> list[dict]:
    """The checked events of a POST /events body; BadBatch naming what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise NotJson(f"the body is not JSON: {e}") from None
    except RecursionError:
        raise BadBatch("the body is not JSON an event batch could be: nested too deeply") \
            from None
    except ValueError:  # a number of thousands of digits (Python's int limit)
        raise BadBatch("the body holds a number too long for any event field") from None
    if not isinstance(data, dict) or set(data) != {"events"}:
        raise BadBatch('the body must be an object with one field, "events"')
    batch = data["events"]
    if not isinstance(batch, list):
        raise BadBatch('"events" must be a list')
    if len(batch) > MAX_EVENTS_PER_BATCH:
        raise TooBig
    for i, event in enumerate(batch):
        try:
            event_schema.validate(event)
        except event_schema.EventError as e:
            raise BadBatch(f"event {i}: {e}") from None
    return batch


# The body is read from the stream by hand (read_capped), so FastAPI does not know it:
# openapi_extra describes it, from the same model.
@router.post("/" + protocol.EVENTS, response_model=EventAck,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": BATCH_SCHEMA}}}},
             responses={**BAD_JSON,
                        413: {"model": Detail,
                              "description": f"over {MAX_EVENTS_BODY // 2**20} MiB or over "
                                             f"{MAX_EVENTS_PER_BATCH} events: send smaller "
                                             "batches"},
                        422: {"model": Detail, "description": "the body or an event does "
                                                             "not fit the schema, or an "
                                                             "event is dated more than a "
                                                             "day ahead or older than the "
                                                             "hub keeps events; nothing "
                                                             "was stored"},
                        429: {"model": Detail, "description": "too many batches from this "
                                                              "terminal: after Retry-After"},
                        **BUSY, **UNAUTHORISED})
async def post_events(request: Request, who: CurrentTerminal, store: StoreDep,
                      settings: SettingsDep) -> EventAck:
    """Anonymous usage events from a terminal. Each event id is stored once however often
    it is sent, so a terminal re-sends a batch whose reply it did not get. The batch is
    stored whole or not at all. Events dated more than a day ahead or older than the hub
    keeps them are refused (422 naming the event); past limits.EVENT_BATCHES batches a
    minute, 429 with Retry-After."""
    wait = await run_in_threadpool(limits.count, store.engine,
                                   limits.event_batches(settings.event_batches_per_minute),
                                   who.id)
    if wait:
        observe.metrics().refused.labels("rate").inc()
        raise HTTPException(429, "too many batches from this terminal; send again after "
                                 "Retry-After", headers={"Retry-After": str(wait)})
    try:
        body = await read_capped(request, MAX_EVENTS_BODY)
        batch = await run_in_threadpool(parse_batch, body)
        check_times(batch, settings.retention_days, time.time())
    except TooBig:
        observe.metrics().refused.labels("too_large").inc()
        raise HTTPException(413, f"send at most {MAX_EVENTS_PER_BATCH} events and "
                                 f"{MAX_EVENTS_BODY} bytes in one request") from None
    except BadBatch as e:
        observe.metrics().refused.labels("invalid").inc()
        await run_in_threadpool(count_refused, store.engine, who.id)
        raise HTTPException(400 if isinstance(e, NotJson) else 422, str(e)) from None
    # A busy database raises OperationalError: errors.database_busy answers 503.
    accepted, duplicates = await run_in_threadpool(store.ingest, who.id, who.centre, batch)
    counted = observe.metrics().ingested
    counted.labels("stored").inc(accepted)
    counted.labels("duplicate").inc(duplicates)
    return EventAck(accepted=accepted, duplicates=duplicates)
