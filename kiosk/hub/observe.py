"""The hub seen from the tools councils run: Prometheus metrics and one log line per request.

Metrics (prometheus_client, never hand-written text):

    kiosk_hub_requests_total{method,route,status}        requests, by route template
    kiosk_hub_request_duration_seconds{method,route}     their latency (a histogram)
    kiosk_hub_events_ingested_total{result}              usage events stored, or duplicates
    kiosk_hub_events_refused_total{reason}               batches refused: too_large, invalid, rate
    kiosk_hub_terminals{status}                          terminals by fleet status (read from
                                                         the database at each scrape)
    kiosk_hub_db_pool_connections{state}                 the database pool: in_use, idle

The route label is the route's template (/admin/fleet/{terminal_id}), never the path, so a
label holds no terminal id, centre or token and the number of series stays small.

With `kiosk-hub serve --workers N` each worker is its own process: prometheus_client's
multiprocess mode keeps each process's figures in files under PROMETHEUS_MULTIPROC_DIR,
and a scrape, whichever worker answers it, adds them up. `serve` sets the directory
(DATA_DIR/metrics, emptied at start, unless the operator set one) before anything imports
prometheus_client, which reads it at import.

Logs: with KIOSK_LOG_FORMAT=json (HubSettings.log_format) every request is one JSON line
(time, method, route template, status, milliseconds, client address) and the server's own
access log is off; otherwise uvicorn's readable text lines. Neither carries a token, a query
string or a body: nothing a citizen typed ever reaches the hub, and nothing a terminal
authenticates with is written down.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

log = logging.getLogger("kiosk.hub.requests")


def prepare_multiprocess(data_dir: Path) -> Path:
    """For `serve --workers N`, before prometheus_client is imported anywhere: the folder
    the workers keep their figures in (the operator's PROMETHEUS_MULTIPROC_DIR, else
    DATA_DIR/metrics), emptied (figures of processes from an earlier run would count)."""
    folder = Path(os.environ.get(MULTIPROC_ENV) or data_dir / "metrics")
    if folder.exists():
        for f in folder.glob("*.db"):
            f.unlink()
    else:
        folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    """This process's metrics (one per process: prometheus_client's objects are global)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.requests = Counter("kiosk_hub_requests_total", "HTTP requests",
                                ["method", "route", "status"])
        self.latency = Histogram("kiosk_hub_request_duration_seconds",
                                 "HTTP request latency", ["method", "route"], buckets=BUCKETS)
        self.ingested = Counter("kiosk_hub_events_ingested_total",
                                "usage events received: stored, or already stored",
                                ["result"])
        self.refused = Counter("kiosk_hub_events_refused_total",
                               "usage event batches refused", ["reason"])
        self.pool = Gauge("kiosk_hub_db_pool_connections", "database pool connections",
                          ["state"], multiprocess_mode="livesum")


_metrics: Metrics | None = None


def metrics() -> Metrics:
    global _metrics
    if _metrics is None:
        _metrics = Metrics()
    return _metrics


def process_exited() -> None:
    """A worker ends: its live gauges no longer count."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(os.getpid())


class TerminalsByStatus:
    """A collector read at each scrape: the fleet's terminals by status, from the database
    (the same rules as the fleet page), so every worker reports the same numbers."""

    def __init__(self, engine):
        self.engine = engine

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from kiosk.hub import fleet, status

        family = GaugeMetricFamily("kiosk_hub_terminals", "terminals by fleet status",
                                   labels=["status"])
        counts = {k: 0 for k in status.STATUSES}
        for row in fleet.overview(self.engine):
            counts[row["status"].key] += 1
        for key, n in counts.items():
            family.add_metric([key], n)
        yield family


def exposition(engine) -> tuple[bytes, str]:
    """The text a scrape gets: every process's figures added up, and the fleet's."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if multiprocess():
        from prometheus_client import multiprocess as mp

        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(TerminalsByStatus(engine))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """The default registry's metrics, inside another registry (one process)."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RequestObserver:
    """ASGI middleware: counts and times every HTTP request by its route template, keeps the
    pool gauge current, and writes a JSON line per request when asked to."""

    def __init__(self, app: ASGIApp, engine=None, json_logs: bool = False):
        self.app = app
        self.engine = engine
        self.json_logs = json_logs
        self.m = metrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.m.requests.labels(method, route, str(status[0])).inc()
            self.m.latency.labels(method, route).observe(elapsed)
            pool = getattr(self.engine, "pool", None)
            if hasattr(pool, "checkedout") and hasattr(pool, "checkedin"):
                self.m.pool.labels("in_use").set(pool.checkedout())
                self.m.pool.labels("idle").set(pool.checkedin())
            if self.json_logs:
                client = scope.get("client")
                log.info(json.dumps({
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "event": "request", "method": method, "route": route,
                    "status": status[0], "ms": round(elapsed * 1000, 1),
                    "client": client[0] if client else None}))


class JsonFormatter(logging.Formatter):
    """Every other log record as one JSON line too (a request's line is JSON already)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == log.name:
            return message
        out = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
               "level": record.levelname.lower(), "logger": record.name, "message": message}
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(out, ensure_ascii=False)


def log_config(json_lines: bool) -> dict | None:
    """uvicorn's log_config for the chosen format (None: uvicorn's own text)."""
    if not json_lines:
        return None
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kiosk.hub.observe.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                    "uvicorn.access": {"handlers": [], "level": "WARNING",
                                       "propagate": False},
                    "kiosk": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }

