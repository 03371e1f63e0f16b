"""The hub's routes, one APIRouter per subject: terminals (enrolment), content, events and
config (the terminals' API under /api/v1), dashboard (the figures, signing in and out) and
config_pages (centres' and terminals' settings, the audit), the pages under /admin. app.py
includes each; what a route needs (the store, a terminal, a signed-in admin or centre
staff) it asks for through deps.py.
"""
