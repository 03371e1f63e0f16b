"""`kiosk-content import-govuk`: GOV.UK Content API documents (real examples from
alphagov/publishing-api, tests/unit/govuk_docs/README.md) become guides field by field; a
re-import shows and applies only what GOV.UK changed, marks exactly the translations of
changed English as needing an update, and keeps what the kiosk added; bad input is refused
with a message and nothing written. URLs are served from a loopback HTTP server."""

from __future__ import annotations

import copy
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from kiosk import content_cli, content_govuk
from kiosk.clikit import UserError
from kiosk.core import content, govuk

DOCS = Path(__file__).parent / "govuk_docs"
ROOT = Path(__file__).resolve().parents[2]


def doc(name: str) -> dict:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


@pytest.fixture
def src(tmp_path):
    return empty_source(tmp_path)


def empty_source(tmp_path: Path) -> Path:
    """A content source: the bundled index and councils, no guides yet."""
    s = tmp_path / "content"
    (s / "services").mkdir(parents=True)
    (s / "tutorials").mkdir()
    index = json.loads((ROOT / "assets/content/content.json").read_text(encoding="utf-8"))
    index["services"], index["tutorials"] = [], []
    (s / "content.json").write_text(json.dumps(index, indent=2), encoding="utf-8")
    return s


def guide_json(src: Path, item_id: str) -> dict:
    return json.loads((src / "services" / f"{item_id}.json").read_text(encoding="utf-8"))


def cli(*argv) -> int:
    return content_cli.main(list(map(str, argv)))


# --- importing: every field of the source ---------------------------------------------------

def expected_href(href: str | None) -> str | None:
    if href is None:
        return None
    if href.startswith("/"):
        return "https://www.gov.uk" + href
    return "https://" + href[len("http://"):] if href.startswith("http://") else href


@pytest.mark.parametrize("name, item_id", [("learn_to_drive_a_car.json", "learn-to-drive-a-car"),
                                           ("step_by_step_nav.json", "get-a-divorce")])
def test_every_step_title_paragraph_link_and_cost_of_the_source(src, name, item_id):
    assert cli("import-govuk", src, DOCS / name) == 0
    nav = doc(name)["details"]["step_by_step_nav"]
    g = content.load(src).services[item_id].guide  # validates like hand-written content
    assert g.title.get("en") == nav["title"]
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
            assert len(got.items) == len(w["contents"])
            for task, t in zip(got.items, w["contents"]):
                assert task.text.get("en") == t["text"]
                assert task.href == expected_href(t.get("href"))
                assert (task.context.get("en") if task.context else None) == t.get("context")


def test_a_step_by_step_becomes_a_new_guide(src, capsys):
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    cat = content.load(src)
    g = cat.services["learn-to-drive-a-car"].guide
    assert g.introduction.get("en") == "Check what you need to do to learn to drive."
    out = capsys.readouterr().out
    assert "safedrivingforlife.info is outside the allow-list" in out  # flagged, kept
    assert g.steps[3].contents[0].items[2].href.startswith("https://www.safedrivingforlife")
    svc = cat.services["learn-to-drive-a-car"]
    assert svc.official_url == "https://www.gov.uk/learn-to-drive-a-car"
    assert svc.title.get("en") == "Learn to drive a car"
    assert "learn-to-drive-a-car" in json.loads((src / "content.json").read_text())["services"]
    assert (src / "govuk" / "learn-to-drive-a-car.json").exists()


def test_both_list_styles_no_style_and_links_with_and_without_costs(src, capsys):
    assert cli("import-govuk", src, DOCS / "step_by_step_nav.json") == 0
    g = content.load(src).services["get-a-divorce"].guide
    first, third = g.steps[0].contents[1], g.steps[2].contents[3]
    assert first.style == govuk.DEFAULT_LIST_STYLE  # GOV.UK's list without a style
    assert third.style == "choice" and g.steps[2].contents[1].style == "required"
    counsellor = first.items[1]
    assert counsellor.context.get("en") == "£35 to £60 per session"
    assert first.items[0].context is None
    # http:// becomes https:// and says so; a site outside the allow-list is flagged
    assert counsellor.href == "https://www.counselling-directory.org.uk/adv-search.html"
    out = capsys.readouterr().out
    assert "is not https: changed to https://www.counselling-directory" in out
    assert "relate.org.uk is outside the allow-list" in out
    # the description's HTML, links and all, as plain words (its links reported)
    svc = content.load(src).services["get-a-divorce"]
    assert svc.summary.get("en") == "How to file for divorce if you’re in England or Wales."


def test_a_start_page_gives_what_it_does_what_you_need_and_the_start_link(src, capsys):
    assert cli("import-govuk", src, DOCS / "apply-blue-badge.json") == 0
    s = content.load(src).services["apply-blue-badge"]
    assert s.official_url == "https://bluebadge.direct.gov.uk/directgovapply.html"
    assert s.start.what_it_does.get("en").endswith(
        "sent to your council for a decision.\nYou will continue on the Blue Badge "
        "eligibility tool.")
    assert [t.get("en") for t in s.start.you_need] == [
        "the details of your current Blue Badge (if you have one)", "a digital or signed photo",
        "your National Insurance number", "proof of identification", "proof of residency"]
    out = capsys.readouterr().out
    # nothing silently lost: the rest of "more information" is listed for the editor
    for lost in ("track your Blue Badge application", "initial enquiry support service",
                 "-> https://www.mygov.scot/apply-blue-badge/", "a notice's emphasis"):
        assert lost in out
    assert "to write: start.time" in out and "a start page alone gives one step" in out
    steps = s.guide.steps
    assert len(steps) == 1 and steps[0].contents[0].items[0].href == s.official_url


def test_nested_lists_other_ways_and_govspeak(src, capsys):
    assert cli("import-govuk", src, DOCS / "renew-passport-nested.json",
               DOCS / "publisher_v2-transaction.json") == 0
    cat = content.load(src)
    p = cat.services["renew-adult-passport"].start
    assert [t.get("en") for t in p.you_need] == [
        "a digital photo", "your old passport",
        "a way to pay: a credit or debit card; Apple Pay or Google Pay"]
    assert [t.get("en") for t in p.other_ways] == [
        "You can apply by post. It costs £107.",
        "Get a form from a Post Office that has a Check and Send service, or call:",
        "Passport Adviceline: 0300 222 0000", "Textphone: 0300 222 0222"]
    band = cat.services["council-tax-bands"]  # govspeak only
    assert band.start.what_it_does.get("en").startswith("Find out the Council Tax band")
    assert band.official_url == "https://cti.voa.gov.uk/cti/inits.asp"
    out = capsys.readouterr().out
    assert "abbreviation's meaning not shown: VOA (Valuation Office Agency)" in out
    assert "abbreviation's meaning not shown: HM Passport Office" in out
    assert "'Scottish Assessors' -> http://www.saa.gov.uk" in out


# --- re-importing ---------------------------------------------------------------------------

def translate(src: Path) -> dict:
    """A translator's Arabic for four texts, a kiosk editor's own note and practice link."""
    p = src / "services" / "learn-to-drive-a-car.json"
    d = json.loads(p.read_text(encoding="utf-8"))
    s = d["guide"]["steps"]
    s[0]["title"]["ar"] = "تحقق من أنه يُسمح لك بالقيادة"           # unchanged on GOV.UK
    s[0]["contents"][0]["text"]["ar"] = "يمكن لمعظم الناس التعلم في سن 17."   # reworded
    s[1]["contents"][0]["items"][0]["text"]["ar"] = "قدّم طلبًا لأول رخصة مؤقتة"  # unchanged
    s[1]["contents"][0]["items"][0]["context"]["ar"] = "34 جنيهًا"           # fee changed
    d["start"]["you_need"].append({"en": "your provisional licence, if you have one"})
    s[2]["contents"].append({"type": "list", "style": "optional", "items": [
        {"text": {"en": "Practise online forms on this kiosk"},
         "href": "https://www.gov.uk/government/publications/online-forms"}]})
    p.write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return d


def test_check_shows_the_difference_and_writes_nothing(src, capsys):
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    translate(src)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-changed.json", "--check") == 0
    out = capsys.readouterr().out
    assert {p: p.read_bytes() for p in src.rglob("*") if p.is_file()} == before
    assert '~ step 2 "Get a provisional driving licence", "Apply for your first provisional ' \
           'driving licence": cost changed: "£34" -> "£43"' in out
    assert ('link changed: "https://www.gov.uk/driving-eyesight-rules" -> '
            '"https://www.gov.uk/driving-eyesight-rules/the-requirements"') in out
    assert '+ step 6: step added: "Get ready for your driving test"' in out
    assert '- old step 7: step removed: "When you pass"' in out
    assert 'text changed: "Most people can start learning to drive when they’re 17." -> ' in out
    assert "would be marked as needing an update (2): ar 2" in out
    assert "nothing written (--check)" in out


def test_a_reimport_marks_exactly_the_changed_texts_and_keeps_the_kiosks_own(src, capsys):
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    before = translate(src)
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-changed.json") == 0
    after = guide_json(src, "learn-to-drive-a-car")
    s = after["guide"]["steps"]
    # changed English: its Arabic kept for the translator, marked, shown in English
    para = s[0]["contents"][0]["text"]
    assert para["needs_update"] == "ar" and para["ar"] == "يمكن لمعظم الناس التعلم في سن 17."
    assert para["en"].endswith("Some people can start at 16.")
    fee = s[1]["contents"][0]["items"][0]["context"]
    assert fee == {"en": "£43", "ar": "34 جنيهًا", "needs_update": "ar"}
    # unchanged English: translations untouched, not marked
    assert s[0]["title"] == before["guide"]["steps"][0]["title"]
    assert s[1]["contents"][0]["items"][0]["text"] == \
        before["guide"]["steps"][1]["contents"][0]["items"][0]["text"]
    marked = [t for t in _texts(after) if "needs_update" in t]
    assert len(marked) == 2
    # the kiosk's own parts survive
    assert after["start"]["you_need"][-1] == {"en": "your provisional licence, if you have one"}
    assert s[2]["contents"][-1]["items"][0]["text"]["en"] == "Practise online forms on this kiosk"
    assert after["start"]["time"] == before["start"]["time"]
    # GOV.UK's changes applied
    assert [t["title"]["en"] for t in s][-2:] == ["Get ready for your driving test",
                                                  "Book and manage your driving test"]
    assert s[0]["contents"][1]["items"][2]["href"].endswith("/driving-eyesight-rules/the-requirements")
    # the kiosk shows the marked Arabic in English, and validate counts it
    cat = content.load(src)
    ctx = cat.services["learn-to-drive-a-car"].guide.steps[1].contents[0].items[0].context
    assert ctx.get("ar") == "£43" and ctx.lang_for("ar") == "en" and ctx.needs_update("ar")
    assert content_cli.needing_update(cat) == {"ar": 2}
    capsys.readouterr()
    assert cli("validate", src) == 0
    assert "Translations that need an update" in capsys.readouterr().out
    # importing the same document again changes nothing
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-changed.json") == 0
    assert guide_json(src, "learn-to-drive-a-car")["guide"] == after["guide"]
    assert "no change on GOV.UK" in capsys.readouterr().out


def _texts(obj):
    if isinstance(obj, dict):
        if "en" in obj:
            yield obj
        else:
            for v in obj.values():
                yield from _texts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _texts(v)


def test_a_translation_update_clears_nothing_else_and_the_mark_is_checked(src):
    """The loader checks the mark: only languages with a translation may be marked."""
    t = content._Reader("f", "i")
    text = t.text_value({"en": "a", "ar": "b", "bn": "c", "needs_update": "ar bn"}, "x")
    assert text.stale == {"ar", "bn"} and text.get("ar") == "a" and not text.has("bn")
    for bad in ({"en": "a", "needs_update": "ar"}, {"en": "a", "ar": "b", "needs_update": ["ar"]},
                {"en": "a", "ar": "b", "needs_update": "en"}, {"en": "a", "needs_update": "xx"}):
        with pytest.raises(content.ContentError, match="needs_update"):
            t.text_value(bad, "x")


def test_a_hand_written_guide_is_not_replaced_without_adopt(src, capsys):
    shutil.copy(ROOT / "assets/content/services/blue-badge.json", src / "services")
    index = json.loads((src / "content.json").read_text())
    index["services"] = ["blue-badge"]
    (src / "content.json").write_text(json.dumps(index))
    before = (src / "services/blue-badge.json").read_bytes()
    assert cli("import-govuk", src, DOCS / "apply-blue-badge.json", "--id", "blue-badge") == 1
    assert "written by hand" in capsys.readouterr().err
    assert (src / "services/blue-badge.json").read_bytes() == before
    assert cli("import-govuk", src, DOCS / "apply-blue-badge.json", "--id", "blue-badge",
               "--adopt") == 0
    got = guide_json(src, "blue-badge")
    assert got["official_url"] == "https://bluebadge.direct.gov.uk/directgovapply.html"
    # a start page has no steps: the hand-written steps (the council step too), title, time
    # and cost stay; what it does is GOV.UK's now, its translations marked for an update
    old = json.loads(before)
    assert got["guide"] == old["guide"] and got["title"] == old["title"]
    assert got["start"]["time"] == old["start"]["time"]
    what = got["start"]["what_it_does"]
    assert what["en"].startswith("Answer questions about your disability")
    assert sorted(what["needs_update"].split()) == sorted(k for k in old["start"]["what_it_does"]
                                                   if k != "en")
    content.load(src)


# --- bad input: a clear message, nothing written ---------------------------------------------

@pytest.mark.parametrize("body, message", [
    (b"{not json", "is not valid JSON"),
    (b"\xff\xfe", "is not UTF-8"),
    (json.dumps({"schema_name": "guide", "details": {}}).encode(), "schema 'guide' is not one"),
    (json.dumps(doc("step_by_step_nav-no-steps.json")).encode(), "has no steps"),
    (json.dumps({"schema_name": "transaction", "locale": "cy", "details": {}}).encode(),
     "import the English"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b" " * (govuk.MAX_DOCUMENT_BYTES + 1), "larger than"),
])
def test_bad_documents_are_refused_with_a_reason(src, tmp_path, capsys, body, message):
    bad = tmp_path / "bad.json"
    bad.write_bytes(body)
    before = sorted(p.name for p in src.rglob("*"))
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json", bad) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert sorted(p.name for p in src.rglob("*")) == before  # the good one is not written


def test_a_step_of_an_unknown_shape_names_where(src, capsys):
    d = doc("learn_to_drive_a_car.json")
    d["details"]["step_by_step_nav"]["steps"][2]["contents"][0]["type"] = "video"
    bad = src.parent / "video.json"
    bad.write_text(json.dumps(d))
    assert cli("import-govuk", src, bad) == 1
    assert "guide.steps[2].contents[0].type 'video'" in capsys.readouterr().err


def test_a_guide_is_written_whole_or_not_at_all(src, monkeypatch):
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    path = src / "services" / "learn-to-drive-a-car.json"
    before = path.read_bytes()
    real = content_govuk.dump
    calls = []

    def dying(data):  # the disk fills while the guide is being written
        calls.append(1)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(content_govuk, "dump", dying)
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car-changed.json") == 1
    monkeypatch.setattr(content_govuk, "dump", real)
    assert calls and path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


# --- URLs, from a loopback server --------------------------------------------------------------

class _Server:
    def __init__(self, routes):
        handler_routes = routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                route = handler_routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                status, body, delay = route
                if delay:
                    threading.Event().wait(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if not self.path.endswith("unsized"):  # else: read until the connection closes
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    body = (DOCS / "learn_to_drive_a_car.json").read_bytes()
    s = _Server({"/api/content/learn-to-drive-a-car": (200, body, 0),
                 "/api/content/gone": (410, b"{}", 0),
                 "/api/content/unsized": (200, b" " * 300_000, 0),
                 "/api/content/slow": (200, body, 3.0)})
    yield s
    s.close()


def test_a_url_is_fetched(src, server, capsys):
    assert cli("import-govuk", src, f"{server.base}/api/content/learn-to-drive-a-car") == 0
    assert len(content.load(src).services["learn-to-drive-a-car"].guide.steps) == 7


def test_a_url_that_fails_says_why(src, server, capsys, monkeypatch):
    assert cli("import-govuk", src, f"{server.base}/api/content/gone") == 1
    assert "answered 410" in capsys.readouterr().err
    monkeypatch.setattr(content_govuk, "READ_TIMEOUT", 0.3)
    assert cli("import-govuk", src, f"{server.base}/api/content/slow") == 1
    assert "no answer in time" in capsys.readouterr().err
    with pytest.raises(UserError, match="is 8114 bytes, more than the 1000"):
        content_govuk.fetch(f"{server.base}/api/content/learn-to-drive-a-car", limit=1000)
    with pytest.raises(UserError, match="is more than the 100000 bytes"):  # no length given
        content_govuk.fetch(f"{server.base}/api/content/unsized", limit=100_000)
    import socket

    with socket.socket() as closed:  # a port held but not listening: refused, every time
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        assert cli("import-govuk", src, f"http://127.0.0.1:{port}/api/content/x") == 1
    assert "cannot connect" in capsys.readouterr().err


def test_gov_uk_pages_are_read_from_the_content_api():
    assert content_govuk.api_url("https://www.gov.uk/apply-blue-badge") == \
        "https://www.gov.uk/api/content/apply-blue-badge"
    assert content_govuk.api_url("https://www.gov.uk/api/content/x") == \
        "https://www.gov.uk/api/content/x"


def test_diff_alone_needs_no_guide():
    old = govuk.gather([govuk.parse((DOCS / "learn_to_drive_a_car.json").read_bytes(), "a")])[0]
    new = copy.deepcopy(old)
    new["guide"]["steps"][4]["contents"][1]["items"][0]["context"] = "£25"
    lines = [c.line() for c in govuk.diff(old, new)]
    assert lines == [('~ step 5 "Book and manage your theory test", "Book your theory test": '
                     'cost changed: "£23" -> "£25"')]


def test_a_step_by_step_and_its_start_page_make_one_guide(src, tmp_path, capsys):
    """The start page a step-by-step links to joins its guide: the steps from one, the start
    page from the other; a later change to the start page alone updates only the start."""
    tx = doc("renew-passport-nested.json")
    tx["base_path"] = "/apply-first-provisional-driving-licence"  # linked from step 2
    tx_path = tmp_path / "licence.json"
    tx_path.write_text(json.dumps(tx), encoding="utf-8")
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json", tx_path) == 0
    cat = content.load(src)
    assert list(cat.services) == ["learn-to-drive-a-car"]
    s = cat.services["learn-to-drive-a-car"]
    assert len(s.guide.steps) == 7 and s.official_url == "https://www.passport.service.gov.uk/filter"
    assert s.start.you_need[0].get("en") == "a digital photo"
    p = src / "services" / "learn-to-drive-a-car.json"
    d = json.loads(p.read_text(encoding="utf-8"))
    d["start"]["you_need"].insert(1, {"en": "a friend's help if you need it (kiosk note)"})
    p.write_text(json.dumps(d, indent=2, ensure_ascii=False), encoding="utf-8")
    # the start page changes: its fee and its start link
    tx["details"]["introductory_paragraph"] = "<p>It costs <strong>£100</strong> to renew.</p>"
    tx["details"]["transaction_start_link"] = "https://www.passport.service.gov.uk/start"
    tx["details"]["more_information"][0]["content"] = "<p>You’ll need:</p><ul><li>a digital " \
        "photo</li><li>your old passport</li><li>your phone</li></ul>"
    tx_path.write_text(json.dumps(tx), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-govuk", src, tx_path, "--check") == 0
    out = capsys.readouterr().out
    assert out.startswith("learn-to-drive-a-car (services/learn-to-drive-a-car.json)")
    assert ('~ official address: official address changed: "https://www.passport.service.gov'
            '.uk/filter" -> "https://www.passport.service.gov.uk/start"') in out
    assert '~ start page: what it does: text changed: "It costs £94.50' in out
    assert ('~ what you need: item 3: text changed: "a way to pay: a credit or debit card; '
            'Apple Pay or Google Pay" -> "your phone"') in out
    assert not [ln for ln in out.splitlines() if ln.startswith(("  ~ step", "  + step",
                                                                "  - old step"))]
    assert cli("import-govuk", src, tx_path) == 0
    need = [t["en"] for t in guide_json(src, "learn-to-drive-a-car")["start"]["you_need"]]
    assert need == ["a digital photo", "a friend's help if you need it (kiosk note)",
                    "your old passport", "your phone"]


def test_html_of_any_shape_keeps_every_word_or_says_where_it_went():
    """Seeded random HTML from GOV.UK's vocabulary (and some it does not use): never an
    error, and every word is in the text or in what is reported."""
    import random

    rnd = random.Random(18)
    tags = ["p", "ul", "ol", "li", "a", "strong", "em", "h2", "div", "br", "abbr", "table",
            "td", "span", "blink", "img"]

    def fragment(depth: int, words: list[str]) -> str:
        out = []
        for _ in range(rnd.randint(1, 4)):
            if depth < 4 and rnd.random() < 0.5:
                tag = rnd.choice(tags)
                attrs = {"a": ' href="/x"', "abbr": ' title="meaning"',
                         "img": ' alt="a picture"'}.get(tag, "")
                if tag in ("br", "img"):
                    out.append(f"<{tag}{attrs}>")
                else:
                    out.append(f"<{tag}{attrs}>{fragment(depth + 1, words)}</{tag}>")
            else:
                w = f"word{len(words)}"
                words.append(w)
                out.append(f" {w} ")
        return "".join(out)

    for _ in range(300):
        words: list[str] = []
        html = fragment(0, words)
        if rnd.random() < 0.2:
            html = html[: rnd.randint(0, len(html))]  # cut off mid-tag
            words = [w for w in words if w in html]
        findings: list[govuk.Finding] = []
        text = govuk.plain(html, "x", findings)
        told = text + " ".join(f.what for f in findings)
        lost = [w for w in words if w not in told and f"{w} " in html + " "]
        assert not lost, (html, text)


def test_adopting_a_guide_keeps_its_council_step(src):
    """GOV.UK has no council steps: adopting GOV.UK's steps for a hand-written guide keeps
    the kiosk's own council step where it was."""
    d = json.loads((ROOT / "assets/content/services/council-tax.json").read_text("utf-8"))
    d["id"] = "learn-to-drive-a-car"
    d["guide"]["steps"][0]["title"]["en"] = "Check you're allowed to drive"
    (src / "services" / "learn-to-drive-a-car.json").write_text(json.dumps(d), "utf-8")
    index = json.loads((src / "content.json").read_text())
    index["services"] = ["learn-to-drive-a-car"]
    (src / "content.json").write_text(json.dumps(index))
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json", "--adopt") == 0
    got = guide_json(src, "learn-to-drive-a-car")["guide"]["steps"]
    assert {"type": "council", "service": "council_tax"} in got[0]["contents"]
    assert [s["title"]["en"] for s in got][:2] == ["Check you're allowed to drive",
                                                   "Get a provisional driving licence"]
    content.load(src)


def test_a_document_too_big_for_a_guide_is_refused(src, tmp_path, capsys):
    d = doc("learn_to_drive_a_car.json")
    steps = d["details"]["step_by_step_nav"]["steps"]
    long = "A long paragraph from a GOV.UK document that goes on. " * 300
    for s in steps:
        s["contents"] = [{"type": "paragraph", "text": long + str(i)} for i in range(40)]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(d), encoding="utf-8")
    assert cli("import-govuk", src, big) == 1
    assert "more than the 1000000 a kiosk reads; nothing written" in capsys.readouterr().err
    assert not (src / "services" / "learn-to-drive-a-car.json").exists()


def test_a_daily_check_reads_every_recorded_guide_again(src, capsys):
    """`--recorded --check --exit-code`: what a daily job runs; exit 3 when GOV.UK changed a
    guide, 0 when nothing changed, and nothing written either way."""
    assert cli("import-govuk", src, DOCS / "learn_to_drive_a_car.json") == 0
    routes = {"/api/content/learn-to-drive-a-car":
              (200, (DOCS / "learn_to_drive_a_car.json").read_bytes(), 0)}
    s = _Server(routes)
    try:
        api = f"{s.base}/api/content"
        capsys.readouterr()
        assert cli("import-govuk", src, "--recorded", "--api", api, "--check",
                   "--exit-code") == 0
        assert "0 of 1 guide(s) changed on GOV.UK" in capsys.readouterr().out
        routes["/api/content/learn-to-drive-a-car"] = (
            200, (DOCS / "learn_to_drive_a_car-changed.json").read_bytes(), 0)
        before = (src / "services" / "learn-to-drive-a-car.json").read_bytes()
        assert cli("import-govuk", src, "--recorded", "--api", api, "--check",
                   "--exit-code") == 3
        out = capsys.readouterr().out
        assert 'cost changed: "£34" -> "£43"' in out and "1 of 1 guide(s) changed" in out
        assert (src / "services" / "learn-to-drive-a-car.json").read_bytes() == before
    finally:
        s.close()
