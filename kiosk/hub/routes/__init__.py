"""The hub's routes, one APIRouter per subject: terminals (enrolment), content, events (the
terminals' API under /api/v1), and dashboard (the admin pages under /admin). app.py includes
each; what a route needs (the store, a terminal, an admin) it asks for through deps.py.
"""
