"""The hub's own health, for monitoring (issue 13): no token, and nothing revealed but the
answer itself.

    GET /healthz   200 while the process answers
    GET /readyz    200 when the database answers and its schema is the one this code
                   expects (the migrations are current); 503 otherwise
    GET /metrics   Prometheus text format (observe.py), to a request that brings the
                   configured metrics token (Authorization: Bearer), or, when none is
                   configured, to one from this machine (loopback); 404 to anyone else
"""

import secrets

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from kiosk.hub import migrate, observe
from kiosk.hub.deps import SettingsDep, StoreDep

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _ready(engine) -> bool:
    try:
        with engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
        return migrate.current(engine) == migrate.head()
    except sa.exc.SQLAlchemyError:
        return False


@router.get("/readyz")
async def readyz(store: StoreDep) -> Response:
    ready = await run_in_threadpool(_ready, store.engine)
    return JSONResponse({"status": "ready" if ready else "not ready"},
                        status_code=200 if ready else 503, headers=NO_STORE)


def may_scrape(request: Request, token: str) -> bool:
    if token:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            value.strip().encode(), token.encode())
    return observe.is_loopback(request.client.host if request.client else None)


@router.get("/metrics")
async def metrics(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    if not may_scrape(request, settings.metrics_token):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    body, ctype = await run_in_threadpool(observe.exposition, store.engine)
    return Response(body, media_type=ctype, headers=NO_STORE)
