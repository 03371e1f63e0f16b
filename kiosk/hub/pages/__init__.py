"""The admin dashboard's pages, for library and council staff, under PREFIX behind a login:
their security headers (headers.py), forms and CSRF (forms.py), what a report looks like on
a page (report_view.py) and how a page is rendered (render.py). The routes that serve them
are kiosk/hub/routes/dashboard.py; the templates are kiosk/hub/templates/.
"""

PREFIX = "/admin"  # every page, its static files and its cookies live under this path
