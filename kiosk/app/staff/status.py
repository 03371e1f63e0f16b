"""The panel's Status section: what the terminal runs and how it is doing, and what staff can
do about it (Sync now, Roll content back, Send set-aside events again, Leave kiosk mode for
maintenance). Each action calls its service on a worker thread and says what happened; an
action that cannot work here (demo mode, not enrolled, nothing to do) is greyed and says why.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.app.staff import sfmt, st, stn
from kiosk.app.staff.access import MAINTENANCE_SECONDS
from kiosk.app.staff.fields import button, line, small
from kiosk.app.staff.texts import when
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KLabel

log = logging.getLogger(__name__)


# ----- gathering, on worker threads -------------------------------------------------------

def gather(app) -> dict:
    """The terminal's state (services.terminal_status), read from disk."""
    from kiosk.services import terminal_status

    return terminal_status.gather(app.settings, app.catalogue, app.services.syncer)


def check_hub(app) -> str:
    from kiosk.services import terminal_status

    return terminal_status.check_hub(app.settings)


# ----- words ------------------------------------------------------------------------------

def set_aside(r: dict, what: str) -> bool:
    """Was damaged data of this kind (outbox, content) set aside (services/damaged.py)?"""
    return any(isinstance(n, dict) and n.get("what") == what for n in r.get("set_aside") or [])


def age(iso: str | None) -> str:
    """How long ago, in days or hours."""
    if not iso:
        return ""
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    hours = int((datetime.now(UTC) - then).total_seconds() // 3600)
    if hours < 1:
        return st("less than an hour ago")
    if hours < 48:
        return stn("{n} hour ago", "{n} hours ago", hours)
    return stn("{n} day ago", "{n} days ago", hours // 24)


def outcome(entry: dict | None) -> str:
    """A sync or upload report in words, after its time."""
    if not entry:
        return st("Never.")
    status = str(entry.get("status") or "")
    sent = entry.get("events_uploaded")
    sent = sent if isinstance(sent, int) and sent > 0 else 0
    said = {"updated": sfmt("New content installed (version {version}).",
                            version=str(entry.get("content_version"))),
            "up_to_date": st("Content up to date."),
            "events_only": st("No content updates: this terminal has no trusted key."),
            "uploaded": st("Usage events sent."),
            "nothing_to_send": st("Nothing to send.")}.get(status)
    if said is None:
        said = st("Failed:")
        said = type(said)(said + " " + status.removeprefix("error: "))
        said.lang = "en"
    lang = said.lang
    if sent:
        count = stn("{n} usage event sent.", "{n} usage events sent.", sent)
        said = count if status == "uploaded" else f"{said} {count}"
    stamp = when(entry.get("time"), lang)
    return f"{stamp}: {said}" if stamp else str(said)


def enrol_how() -> str:
    return st("To enrol it, ask your hub admin for a one-time code, then run on this "
              "machine: kiosk enrol CODE --hub ADDRESS")


class StatusSection:
    """Builds the Status section into the panel's page and keeps it up to date."""

    def __init__(self, panel, box: BoxLayout):
        self.panel = panel
        self.app = panel.app
        self.state = panel.state
        self.box = box
        self.actions: dict = {}
        self.results: dict[str, KLabel] = {}
        self.words: dict[str, BoxLayout] = {}

    def build(self) -> None:
        box = self.box
        box.clear_widgets()
        state = self.state
        if state.status is None:
            box.add_widget(KLabel(text=st("Reading the terminal's status..."),
                                  size_hint_y=None))
            return
        r = state.status
        rows = [
            (st("Content"), self._content(r), "error" if r["content_out_of_date"] else ""),
            (st("Usage events"), self._events(r), ""),
            (st("Last sync"), outcome(r["last_sync"]), ""),
            (st("Last upload"), outcome(r["last_event_upload"]), ""),
            (st("Hub"), self._hub(r), ""),
            (st("Enrolment"), self._enrolment(r), "error" if r.get("revoked") else ""),
        ]
        if r.get("disk_full"):  # urgent: next to what it stops
            rows.insert(2, (st("Disk"), st("Full: usage events wait in memory and content "
                                           "updates cannot be installed until there is "
                                           "space. Free space on the terminal, or tell the "
                                           "council's IT."), "error"))
        if state.problems:
            rows.append((st("Settings files"), "\n".join(state.problems), "error"))
        summary = Panel(bg_name="background", edge_name="border", padding=[dp(24), dp(12)],
                        spacing=dp(10))
        self.values = {}
        for name, value, colour in rows:
            key = KLabel(text=name, bold=True, size_hint=(0.3, None))
            shown = KLabel(text=value, size_hint_y=None, colour_name=colour or "text")
            self.values[name] = shown
            summary.add_widget(line(key, shown, height=dp(40), spacing=dp(24), top=True))
        box.add_widget(summary)
        box.add_widget(KLabel(text=st("Actions"), role="heading", bold=True,
                              size_hint_y=None))
        self._actions(r)

    def update_hub(self) -> None:
        """The hub's answer came: its two lines change, nothing else is built again."""
        r = self.state.status
        values = getattr(self, "values", {})
        if r is None or st("Hub") not in values:
            return
        values[st("Hub")].text = self._hub(r)
        values[st("Enrolment")].text = self._enrolment(r)
        revoked = r.get("revoked") or self.state.hub == "refused"
        values[st("Enrolment")].colour_name = "error" if revoked else "text"

    # -- the summary ---------------------------------------------------------------------
    def _content(self, r: dict) -> str:
        if r["content_version"] is None:
            text = st("The bundled demo content.")
        else:
            text = sfmt("Version {version}, made {age}.", version=str(r["content_version"]),
                        age=age(r["content_made"]))
            if r["content_out_of_date"]:
                text += " " + sfmt("Out of date since {when}.",
                                   when=lambda lang: when(r["content_expires"], lang))
        text += " " + sfmt("{services} service guides, {tutorials} tutorials.",
                           services=r["services"], tutorials=r["tutorials"])
        if set_aside(r, "content"):
            text += " " + st("The installed content was damaged: it was kept aside for the "
                             "council's IT, and the terminal shows the content it came with "
                             "until the next sync installs it again.")
        return text

    def _events(self, r: dict) -> str:
        if r["queued_events"] is None:
            return st("The list of usage events cannot be read.")
        text = stn("{n} waiting to be sent.", "{n} waiting to be sent.", r["queued_events"])
        if r["rejected_events"]:
            text += " " + stn("{n} set aside: the hub refused it.",
                              "{n} set aside: the hub refused them.", r["rejected_events"])
        if set_aside(r, "outbox"):
            text += " " + st("The list of usage events could not be read at start: it was "
                             "kept aside for the council's IT and a new one started.")
        return text

    def _hub(self, r: dict) -> str:
        if r.get("demo"):
            return st("Demo mode: this terminal talks to no hub.")
        if not r["enrolled"]:
            return st("No hub: the terminal is not enrolled.")
        if r.get("hub_problem"):
            return st("Not syncing: the hub's address is refused.") + " " + r["hub_problem"]
        hub = self.state.hub
        if hub is None:
            return st("Checking whether the hub answers...")
        if hub == "reachable":
            return sfmt("{url} answers.", url=r["hub_url"])
        if hub == "refused":
            return sfmt("{url} answers, but refuses this terminal.", url=r["hub_url"])
        return sfmt("{url} cannot be reached now.", url=r["hub_url"]) + " " + \
            hub.removeprefix("unreachable: ")

    def _enrolment(self, r: dict) -> str:
        if r.get("revoked") or self.state.hub == "refused":
            return st("Revoked: the hub no longer accepts this terminal. It keeps serving "
                      "citizens with its last content and settings.") + " " + enrol_how()
        if r["enrolled"]:
            return sfmt("Enrolled with {url}.", url=r["hub_url"])
        return st("Not enrolled.") + " " + enrol_how()

    # -- actions -------------------------------------------------------------------------
    def _actions(self, r: dict) -> None:
        app = self.app
        syncer = app.services.syncer
        if r.get("demo"):
            no_hub = st("Not in demo mode: there is no hub.")
        elif not r["enrolled"]:
            no_hub = st("Not available: this terminal is not enrolled with a hub.")
        elif syncer is None:
            no_hub = st("Not available: the kiosk was started without its sync.")
        else:
            no_hub = ""
        previous = r.get("content_previous_version")
        items = [
            ("sync", st("Sync now"), self.sync_now, no_hub,
             st("Send usage events, fetch settings and new content now.")),
            ("rollback", st("Roll content back"), self.ask_rollback,
             "" if previous else st("Not available: there is no earlier content version on "
                                    "this terminal."),
             sfmt("Go back to content version {version}. The next sync brings the newest "
                  "version again.", version=str(previous)) if previous else ""),
            ("resend", st("Send set-aside events again"), self.resend,
             no_hub or ("" if r["rejected_events"] else
                        st("Not needed: no usage events are set aside.")),
             st("Events the hub refused are queued again, for a hub that now accepts them.")),
            ("maintenance", st("Leave kiosk mode for maintenance"), self.maintenance,
             st("Already in maintenance mode.") if app.staff.in_maintenance else "",
             stn("The window can be closed and every key works, for {n} minute; then "
                 "the kiosk comes back by itself.",
                 "The window can be closed and every key works, for {n} minutes; then "
                 "the kiosk comes back by itself.", int(MAINTENANCE_SECONDS // 60))),
        ]
        for name, text, action, why_not, what in items:
            b = button(text, action, kind="button", width=dp(420), disabled=bool(why_not))
            words = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4),
                              height=0)
            words.bind(minimum_height=words.setter("height"))
            words.add_widget(small(why_not or what))
            result = KLabel(text=self.state.results.get(name, ""), bold=True, size_hint_y=None)
            if result.text:
                words.add_widget(result)
            self.actions[name] = b
            self.results[name] = result
            self.words[name] = words
            self.box.add_widget(line(b, words, spacing=dp(24), top=True))
        self.box.add_widget(Widget(size_hint_y=None, height=dp(8)))

    def _result(self, name: str, text: str) -> None:
        self.state.results[name] = text
        self.state.results_at[name] = self.state.status_reads
        if self.panel.is_current():
            self.panel.reload_status()

    def _busy(self, name: str, text: str) -> None:
        self.state.results[name] = text
        self.state.results_at.pop(name, None)
        result = self.results.get(name)
        if result is not None:
            result.text = text
            if result.parent is None:
                self.words[name].add_widget(result)
        for b in self.actions.values():
            b.disabled = True

    def sync_now(self) -> None:
        syncer = self.app.services.syncer
        self._busy("sync", st("Syncing..."))

        def work():
            from kiosk.services import sync_log

            try:
                return syncer.sync_once()
            except Exception as e:
                sync_log.record(self.app.settings.data_dir, {"status": f"error: {e}"})
                raise

        def done(report, error):
            if error is not None:
                log.warning("sync now failed: %s", error)
                self._result("sync", st("Failed:") + " " + str(error))
            else:
                self._result("sync", outcome(report))

        self.panel.work(work, done)

    def ask_rollback(self) -> None:
        from kiosk.app.widgets.dialogs import Dialog

        previous = self.state.status.get("content_previous_version")
        dialog = Dialog(size_hint=(0.7, None))
        dialog.add(KLabel(text=sfmt("Go back to content version {version}?",
                                    version=str(previous)), role="heading", bold=True,
                          size_hint_y=None))
        dialog.add(KLabel(text=st("Citizens see it from the next visit, after the panel "
                                  "closes. The next sync brings the newest version again, "
                                  "unless the hub has withdrawn it."), size_hint_y=None))
        no = button(st("Cancel"), lambda: dialog.dismiss(animation=False), kind="primary")
        yes = button(st("Roll content back"), lambda: (dialog.dismiss(animation=False),
                                                       self.rollback()))
        dialog.add(no)
        dialog.add(yes)
        dialog.no, dialog.yes = no, yes
        self.app.open_modal(dialog)

    def rollback(self) -> None:
        app = self.app
        self._busy("rollback", st("Rolling back..."))

        def work():
            from kiosk.services.content_store import ContentStore

            store = ContentStore(app.settings.data_dir)
            version = store.rollback()
            folder = store.current_content_dir()
            if folder is not None:
                app.content_installed(str(folder))  # loaded now, switched to at attract
            return version

        def done(version, error):
            if error is not None:
                self._result("rollback", st("Failed:") + " " + str(error))
            else:
                self._result("rollback", sfmt("Content version {version} is current again. "
                                              "Citizens see it from the next visit.",
                                              version=str(version)))

        self.panel.work(work, done)

    def resend(self) -> None:
        app = self.app
        syncer = app.services.syncer
        self._busy("resend", st("Sending..."))

        def work():
            from kiosk.services import event_sync

            n = event_sync.requeue_rejected(syncer.db_path)
            return n, syncer.upload_events()

        def done(result, error):
            if error is not None:
                self._result("resend", st("Failed:") + " " + str(error))
                return
            n, report = result
            text = stn("{n} event queued again.", "{n} events queued again.", n)
            text += " " + outcome(report)
            if report.get("rejected"):
                text += " " + stn("{n} refused again and set aside.",
                                  "{n} refused again and set aside.", report["rejected"])
            self._result("resend", text)

        self.panel.work(work, done)

    def maintenance(self) -> None:
        self.app.staff.start_maintenance()
        self.panel.rebuild_keeping_state()
