"""GOV.UK's own example documents through `kiosk-content import-govuk`.

Every fixture here is a document GOV.UK published as an example of its content schemas
(alphagov/publishing-api `content_schemas/examples/`, alphagov/govuk-content-schemas
`examples/`; tests/unit/govuk_docs/README.md names each one's repository, path and commit).
They carry what schema-shaped fixtures do not: headings and notices in "more information",
links inside sentences with `&amp;` in their addresses, a start page with no introduction and
its own button text, related links, a downtime message, variants, an older step-by-step
without a title or introduction and with steps marked optional, a govspeak introduction,
a Welsh page, and a later version of the same step-by-step with a changed fee and link.
Each imports into a guide that validates, and every word and address of the source is in
the guide or in the report the editor reads.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kiosk import content_cli
from kiosk.core import content, govuk
from tests.unit.test_govuk import DOCS, cli, doc, empty_source

REAL_STEP_BY_STEPS = ["learn_to_drive_a_car.json", "step_by_step_nav.json",
                      "publisher_v2-learn_to_drive_a_car.json", "publisher_v2-get-a-divorce.json",
                      "get-a-divorce-2018-untitled.json", "learn_to_drive_a_car-2018-03.json"]
REAL_START_PAGES = ["apply-blue-badge.json", "apply-marine-licence.json", "jobsearch.json",
                    "council-tax-bands.json", "transaction-with-variants.json",
                    "transaction-with-step-navs.json", "child-maintenance.json",
                    "publisher_v2-transaction.json"]
BODIES = ("introductory_paragraph", "what_you_need_to_know", "more_information",
          "other_ways_to_apply")


@pytest.fixture
def src(tmp_path):
    return empty_source(tmp_path)


def only_service(src: Path) -> tuple[str, dict]:
    (path,) = (src / "services").glob("*.json")
    return path.stem, json.loads(path.read_text(encoding="utf-8"))


def english(obj) -> str:
    """Every English text of a guide, one per line."""
    out: list[str] = []

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("en"), str):
                out.append(o["en"])
            else:
                for v in o.values():
                    walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(obj)
    return "\n".join(out)


class _Words(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)

    def handle_data(self, data):
        self.words += re.findall(r"\w+", data)


def body_of(value) -> str:
    if isinstance(value, list):  # [{content_type, content}]: the HTML when there is one
        by = {v["content_type"]: v["content"] for v in value}
        return by.get("text/html") or by["text/govspeak"]
    return value or ""


@pytest.mark.parametrize("name", REAL_STEP_BY_STEPS + REAL_START_PAGES)
def test_each_real_document_imports_into_a_guide_that_validates(src, name, capsys):
    assert cli("import-govuk", src, DOCS / name) == 0, capsys.readouterr().err
    item_id, _ = only_service(src)
    content.load(src).services[item_id]  # validates like hand-written content
    assert cli("validate", src) == 0


@pytest.mark.parametrize("name", REAL_START_PAGES)
def test_every_word_and_address_of_a_real_start_page_is_in_the_guide_or_the_report(
        src, name, capsys):
    d = doc(name)
    assert cli("import-govuk", src, DOCS / name) == 0
    report = capsys.readouterr().out
    _, service = only_service(src)
    told = set(re.findall(r"\w+", english(service) + "\n" + report))
    for key in BODIES:
        body = body_of(d["details"].get(key))
        if not body:
            continue
        p = _Words()
        p.feed(body)
        p.close()
        words = p.words if "<" in body else re.findall(r"\w+", body)
        missing = sorted({w for w in words if w not in told})
        assert not missing, (key, missing)
        for href in p.hrefs:
            if not href.startswith(("mailto:", "tel:", "#")):
                assert f"-> {govuk.absolute(href)}" in report, (key, href)
    start = d["details"].get("transaction_start_link")
    want = start.replace("http://", "https://", 1) if start else \
        "https://www.gov.uk" + d["base_path"]
    assert service["official_url"] == want
    will = d["details"].get("will_continue_on")
    if will:
        assert service["start"]["what_it_does"]["en"].endswith(f"You will continue on {will}.")


def expected_href(href):
    if href is None:
        return None
    if href.startswith("/"):
        return "https://www.gov.uk" + href
    return "https://" + href[len("http://"):] if href.startswith("http://") else href


@pytest.mark.parametrize("name", REAL_STEP_BY_STEPS)
def test_every_step_title_paragraph_link_and_cost_of_a_real_step_by_step(src, name):
    d = doc(name)
    nav = d["details"]["step_by_step_nav"]
    assert cli("import-govuk", src, DOCS / name) == 0
    item_id, _ = only_service(src)
    g = content.load(src).services[item_id].guide
    assert g.title.get("en") == nav.get("title", d["title"])
    assert len(g.steps) == len(nav["steps"])
    for step, want in zip(g.steps, nav["steps"]):
        assert step.title.get("en") == want["title"]
        assert step.logic == want.get("logic", "number")
        assert len(step.contents) == len(want["contents"])
        for got, w in zip(step.contents, want["contents"]):
            if w["type"] == "paragraph":
                assert got.text.get("en") == w["text"]
                continue
            assert got.style == w.get("style", govuk.DEFAULT_LIST_STYLE)
            assert [(t.text.get("en"), t.href, t.context.get("en") if t.context else None)
                    for t in got.items] == \
                [(t["text"], expected_href(t.get("href")), t.get("context"))
                 for t in w["contents"]]


def test_an_older_step_by_step_without_title_or_introduction(src, capsys):
    """GOV.UK's 2018 example has neither: the document's title and description stand in,
    and the editor is told."""
    assert cli("import-govuk", src, DOCS / "get-a-divorce-2018-untitled.json") == 0
    out = capsys.readouterr().out
    g = content.load(src).services["get-a-divorce"].guide
    assert g.title.get("en") == "Get a divorce: step by step"
    assert g.introduction.get("en") == (
        "How to file for divorce if you’re in England or Wales.\nThere is a different process "
        "if you’re responding to a divorce petition, or if you’re in Scotland or Northern "
        "Ireland.")
    assert "note: guide.title: GOV.UK's step-by-step has no title: the document's is used" in out
    assert "GOV.UK gives no introduction: the description is used" in out
    assert ("'responding to a divorce petition' -> "
            "https://www.gov.uk/divorce/respond-to-a-divorce-petition") in out


def test_a_step_gov_uk_marks_optional_is_reported(src, capsys):
    """The kiosk's steps have no 'optional'; GOV.UK's mark is not dropped silently."""
    assert cli("import-govuk", src, DOCS / "publisher_v2-get-a-divorce.json") == 0
    out = capsys.readouterr().out
    marked = [ln for ln in out.splitlines() if "marks this step optional" in ln]
    assert [ln.split(": ")[1] for ln in marked] == ["guide.steps[0]", "guide.steps[2]"]
    assert marked[0].startswith("  not carried over: ")


def test_a_start_page_without_introduction_uses_its_button_and_reports_its_links(src, capsys):
    """The child maintenance calculator has no introduction, no description, no start link
    and no "more information"; it has its own button text and related links."""
    assert cli("import-govuk", src, DOCS / "child-maintenance.json") == 0
    out = capsys.readouterr().out
    s = content.load(src).services["calculate-your-child-maintenance"]
    task = s.guide.steps[0].contents[0].items[0]
    assert task.text.get("en") == "Calculate your child maintenance"
    assert task.href == s.official_url == "https://www.gov.uk/calculate-your-child-maintenance"
    assert ("to write: start.what_it_does: GOV.UK gives no introduction or description: the "
            "title is used; write what the service does") in out
    assert ("link: start: GOV.UK's related link not carried over: 'Child Maintenance Options - "
            "How much should be paid' -> http://www.cmoptions.org/en/maintenance/how-much.asp"
            ) in out
    assert "'Child Maintenance Options - Ways to pay' -> http://www.cmoptions.org/en/" in out


def test_a_downtime_message_is_shown_to_the_editor(src, capsys):
    assert cli("import-govuk", src, DOCS / "apply-marine-licence.json") == 0
    out = capsys.readouterr().out
    assert ("note: official_url: GOV.UK announces downtime: 'This service will be unavailable "
            "from 1pm to 8pm on Thursday 16 March.'") in out
    s = content.load(src).services["apply-marine-licence"]
    assert "•  Debit or credit card required" in s.start.what_it_does.get("en")
    assert s.start.you_need == ()  # "Use this service to:" is not what you need: reported
    assert "not shown on the start page: 'apply for a wildlife licence'" in out


def test_a_welsh_page_is_refused_and_nothing_is_written(src, capsys):
    before = sorted(p.relative_to(src) for p in src.rglob("*"))
    assert cli("import-govuk", src, DOCS / "chwilio-am-swydd.json") == 1
    assert "chwilio-am-swydd.json: is in 'cy'; import the English" in capsys.readouterr().err
    assert sorted(p.relative_to(src) for p in src.rglob("*")) == before


def test_a_start_page_joins_the_step_by_step_it_says_it_is_part_of(src):
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json",
               DOCS / "transaction-with-step-navs.json") == 0
    cat = content.load(src)
    assert list(cat.services) == ["learn-to-drive-a-car"]
    s = cat.services["learn-to-drive-a-car"]
    assert s.official_url == "https://cti.voa.gov.uk/cti/inits.asp"
    assert len(s.guide.steps) == 7


def test_gov_uks_later_version_of_a_real_step_by_step(src, capsys):
    """GOV.UK's March 2018 learn-to-drive (the one its transaction example embeds) against
    January's: the provisional licence fee became "£34 - £43" and "Change your driving test
    appointment" gained its link; the introduction moved from HTML to govspeak with the same
    words. --check shows exactly that and writes nothing; the import marks exactly the
    fee's translation."""
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    p = src / "services" / "learn-to-drive-a-car.json"
    d = json.loads(p.read_text(encoding="utf-8"))
    steps = d["guide"]["steps"]
    steps[1]["contents"][0]["items"][0]["context"]["pl"] = "34 £"
    steps[1]["contents"][0]["items"][0]["text"]["pl"] = "Złóż wniosek o pierwsze prawo jazdy"
    steps[5]["contents"][1]["items"][2]["text"]["pl"] = "Zmień termin egzaminu praktycznego"
    d["guide"]["introduction"]["pl"] = "Sprawdź, co musisz zrobić, aby nauczyć się jeździć."
    p.write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    before = {f: f.read_bytes() for f in src.rglob("*") if f.is_file()}
    capsys.readouterr()
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-2018-03.json", "--check") == 0
    out = capsys.readouterr().out
    assert {f: f.read_bytes() for f in src.rglob("*") if f.is_file()} == before
    changes = [ln.strip() for ln in out.splitlines() if ln.startswith(("  ~ ", "  + ", "  - "))]
    assert changes == [
        ('~ step 2 "Get a provisional driving licence", "Apply for your first provisional '
         'driving licence": cost changed: "£34" -> "£34 - £43"'),
        ('~ step 6 "Book and manage your driving test", "Change your driving test '
         'appointment": link changed: (none) -> "https://www.gov.uk/change-driving-test"')]
    assert "2 change(s) on GOV.UK (fees 1, links 1)" in out
    assert "would be marked as needing an update (1): pl 1" in out
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-2018-03.json") == 0
    after = json.loads(p.read_text(encoding="utf-8"))
    s = after["guide"]["steps"]
    assert s[1]["contents"][0]["items"][0]["context"] == {"en": "£34 - £43", "pl": "34 £",
                                                          "needs_update": "pl"}
    task = s[5]["contents"][1]["items"][2]
    assert task == {"text": {"en": "Change your driving test appointment",
                             "pl": "Zmień termin egzaminu praktycznego"},
                    "href": "https://www.gov.uk/change-driving-test"}
    assert after["guide"]["introduction"] == d["guide"]["introduction"]
    assert content_cli.needing_update(content.load(src)) == {"pl": 1}
    record = json.loads((src / "govuk" / "learn-to-drive-a-car.json").read_text("utf-8"))
    assert [x["public_updated_at"] for x in record["documents"]] == ["2018-03-02T11:53:13Z"]
