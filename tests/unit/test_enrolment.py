"""services/enrolment.py: where a terminal stands with its hub, as the staff panel and
`kiosk status` show it (not enrolled, enrolled, or revoked: the hub refuses its token)."""

from __future__ import annotations

from kiosk.services import enrolment, hub_client

ENROLMENT = {"terminal_id": "t-7", "token": "tok-" + "x" * 40, "centre": "peckham"}


def test_not_enrolled(tmp_path):
    state = enrolment.status(tmp_path)
    assert state.state == enrolment.NOT_ENROLLED and not state.enrolled and not state.revoked


def test_an_unreadable_enrolment_counts_as_not_enrolled_and_says_why(tmp_path):
    hub_client.hub_file(tmp_path).write_text("{")
    state = enrolment.status(tmp_path)
    assert state.state == enrolment.NOT_ENROLLED and "enrol again" in state.detail


def test_refused_then_accepted_then_enrolled_again(tmp_path):
    hub_client.save_enrolment(tmp_path, "http://hub.example:8080/", ENROLMENT)
    state = enrolment.status(tmp_path)
    assert state.enrolled and (state.terminal_id, state.centre, state.hub_url) == \
        ("t-7", "peckham", "http://hub.example:8080")

    enrolment.record_refused(tmp_path, "GET /api/v1/config: refused by the hub (401)")
    first = enrolment.status(tmp_path)
    assert first.revoked and not first.enrolled and "401" in first.detail
    assert first.refused_at and first.refused_at.endswith("Z")
    enrolment.record_refused(tmp_path, "again")
    assert enrolment.status(tmp_path).refused_at == first.refused_at, "the first time kept"
    assert "kiosk enrol CODE --hub" in enrolment.HOW_TO_ENROL

    enrolment.record_accepted(tmp_path)  # an admin put it right on the hub
    assert enrolment.status(tmp_path).enrolled

    enrolment.record_refused(tmp_path, "refused")
    hub_client.save_enrolment(tmp_path, "http://hub.example:8080", ENROLMENT)  # a new code
    assert enrolment.status(tmp_path).enrolled


def test_a_damaged_note_still_says_revoked(tmp_path):
    hub_client.save_enrolment(tmp_path, "http://hub.example", ENROLMENT)
    (tmp_path / hub_client.REFUSED_FILE).write_text("not json")
    state = enrolment.status(tmp_path)
    assert state.revoked and state.refused_at is None
