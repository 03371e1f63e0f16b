"""The content loader and `kiosk-content validate`: good content loads, bad content is refused
with one message naming the file, the item and the field."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import content_cli
from kiosk.core import content
from kiosk.core.content import ContentError

DEMO = Path(__file__).resolve().parents[2] / "assets" / "content"


# A small, valid content source: one service, two tutorials between them using every kind
# of practice. English everywhere, Arabic in some texts, Bengali in none.

def t(en: str, **other: str) -> dict:
    return {"en": en, **other}


# What older packs carried (a centre's own information is configuration now): ignored.
CENTRE = {
    "id": "test-library",
    "name": t("Test Library", ar="مكتبة الاختبار"),
    "greeting": t("Free help with online services"),
    "opening_hours": [t("Monday to Friday: 9am to 6pm")],
    "help": [t("Ask at the front desk.")],
    "contact": [t("Phone: 020 7946 0000")],
}

SERVICE = {
    "id": "register-to-vote",
    "title": t("Register to vote", ar="التسجيل للتصويت"),
    "summary": t("Get on the electoral register."),
    "official_url": "https://www.gov.uk/register-to-vote",
    "start": {
        "what_it_does": t("Puts you on the electoral register."),
        "you_need": [t("your National Insurance number")],
        "time": t("About 5 minutes"),
        "cost": t("Free"),
        "other_ways": [t("Ask your council for a paper form.")],
    },
    "guide": {
        "title": t("Register to vote: step by step"),
        "introduction": t("How to register."),
        "steps": [
            {
                "title": t("Check if you can register"),
                "logic": "number",
                "contents": [
                    {"type": "paragraph", "text": t("You must be 16 or over.")},
                    {"type": "list", "style": "required",
                     "items": [{"text": t("Register online"),
                                "href": "https://www.gov.uk/register-to-vote",
                                "context": t("free")}]},
                ],
            },
            {
                "title": t("Or ask for a paper form"),
                "logic": "or",
                "contents": [{"type": "paragraph", "text": t("Phone your council.")}],
            },
        ],
    },
}

TUTORIAL_SCAMS = {
    "id": "spotting-scams",
    "title": t("Spotting scams"),
    "summary": t("Learn the signs of a fake message."),
    "skill_area": "being_safe",
    "minutes": 5,
    "lessons": [
        {
            "title": t("Fake messages"),
            "body": [t("Scammers pretend to be your bank.")],
            "practice": {
                "type": "choose_answer",
                "question": t("Your bank asks for your PIN by text. What do you do?"),
                "options": [
                    {"text": t("Send it"), "correct": False, "feedback": t("Never send it.")},
                    {"text": t("Ignore it"), "correct": True, "feedback": t("Right.")},
                ],
            },
        },
        {
            "title": t("Real or scam?"),
            "body": [t("Look at each message.")],
            "practice": {
                "type": "real_or_scam",
                "prompt": t("Is this message real?"),
                "cards": [{"sender": "HMRC", "message": t("You have a tax refund, click here"),
                           "is_scam": True, "explanation": t("HMRC never texts refunds.")}],
            },
        },
    ],
    "learnt": [t("how to spot a fake message")],
    "next": ["using-a-touchscreen", "register-to-vote"],
}

TUTORIAL_TOUCH = {
    "id": "using-a-touchscreen",
    "title": t("Using a touchscreen", ar="استخدام شاشة اللمس"),
    "summary": t("Tap and type."),
    "skill_area": "foundation",
    "minutes": 3,
    "lessons": [
        {
            "title": t("Tapping"),
            "body": [t("Touch the screen lightly.")],
            "practice": {"type": "tap_target", "prompt": t("Tap the star."),
                         "targets": [{"label": t("star"), "x": 0.5, "y": 0.25}]},
        },
        {
            "title": t("Typing"),
            "body": [t("Use the keyboard.")],
            "practice": {"type": "type_this", "prompt": t("Type your town."),
                         "answer": "London", "hint": t("Start with a capital L.")},
        },
        {"title": t("Well done"), "body": [t("That is all.")]},
    ],
    "learnt": [t("how to tap")],
    "next": [],
}

INDEX = {
    "schema": 1,
    "languages": ["en", "ar", "bn"],
    "services": ["register-to-vote"],
    "tutorials": ["spotting-scams", "using-a-touchscreen"],
}


def good_files() -> dict[str, dict]:
    return copy.deepcopy({
        "content.json": INDEX,
        "services/register-to-vote.json": SERVICE,
        "tutorials/spotting-scams.json": TUTORIAL_SCAMS,
        "tutorials/using-a-touchscreen.json": TUTORIAL_TOUCH,
    })


def write(root: Path, files: dict[str, dict | str]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else
                        json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return root


@pytest.fixture
def files() -> dict[str, dict]:
    """The good content as data: a test breaks it, then calls `load_bad(tmp_path, files)`."""
    return good_files()


def load_bad(root: Path, files: dict) -> ContentError:
    write(root, files)
    with pytest.raises(ContentError) as info:
        content.load(root)
    return info.value


def assert_names(err: ContentError, file: str, item: str, field: str, *words: str) -> None:
    """The error names the file, the item and the field, in its attributes and its message."""
    assert (err.file, err.item, err.field) == (file, item, field), str(err)
    msg = str(err)
    assert file in msg and repr(field) in msg, msg
    assert f"item {item!r}" in msg if item else "item" not in msg, msg
    for w in words:
        assert w in msg, msg
    assert "\n" not in msg


# Good content

def test_demo_content_loads(capsys):
    cat = content.load(DEMO)
    assert len(cat.services) >= 5 and len(cat.tutorials) >= 5
    assert cat.languages[0] == "en"
    assert all(text.has("en") for _, text in cat.texts())
    for t in cat.tutorials.values():
        assert all(n in cat.services or n in cat.tutorials for n in t.next)
    assert content_cli.main(["validate", str(DEMO)]) == 0
    assert "valid" in capsys.readouterr().out


def test_fixture_content_loads(tmp_path):
    cat = content.load(write(tmp_path, good_files()))
    assert cat.languages == ("en", "ar", "bn")
    assert cat.notes == ()
    assert list(cat.services) == ["register-to-vote"]
    assert list(cat.tutorials) == ["spotting-scams", "using-a-touchscreen"]
    svc = cat.item("register-to-vote")
    assert [s.logic for s in svc.guide.steps] == ["number", "or"]
    assert svc.guide.steps[0].contents[1].items[0].href == "https://www.gov.uk/register-to-vote"
    assert svc.title.get("ar") == "التسجيل للتصويت"
    assert svc.summary.get("ar") == "Get on the electoral register."  # falls back to English
    assert svc.summary.lang_for("ar") == "en"
    scams = cat.item("spotting-scams")
    assert [lesson.practice.type for lesson in scams.lessons] == ["choose_answer", "real_or_scam"]
    assert scams.next == ("using-a-touchscreen", "register-to-vote")
    touch = cat.item("using-a-touchscreen")
    assert touch.lessons[2].practice is None
    typing = touch.lessons[1].practice
    assert typing.accepts("  london ") and not typing.accepts("Londn")
    texts = list(cat.texts())
    assert sum(1 for _, x in texts if x.has("ar")) == 2
    assert not any(x.has("bn") for _, x in texts)
    assert {i for i, _ in texts} == {"register-to-vote", "spotting-scams",
                                     "using-a-touchscreen"}


# Bad content: one kind of mistake per test

def test_missing_field(tmp_path, files):
    del files["services/register-to-vote.json"]["summary"]
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote", "summary", "missing")


def test_missing_nested_field(tmp_path, files):
    del files["services/register-to-vote.json"]["guide"]["steps"][1]["contents"]
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote",
                 "guide.steps[1].contents", "missing")


def test_unknown_practice_type(tmp_path, files):
    files["tutorials/spotting-scams.json"]["lessons"][1]["practice"]["type"] = "drag_and_drop"
    err = load_bad(tmp_path, files)
    assert_names(err, "tutorials/spotting-scams.json", "spotting-scams",
                 "lessons[1].practice.type", "drag_and_drop")


def test_broken_link_to_another_item(tmp_path, files):
    files["tutorials/spotting-scams.json"]["next"] = ["register-to-vote", "council-tax"]
    err = load_bad(tmp_path, files)
    assert_names(err, "tutorials/spotting-scams.json", "spotting-scams", "next[1]",
                 "council-tax")


def test_invalid_language_code_in_a_text(tmp_path, files):
    step = files["services/register-to-vote.json"]["guide"]["steps"][0]
    step["title"]["xx"] = "???"
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote",
                 "guide.steps[0].title.xx", "invalid language code")


def test_malformed_json_names_file_and_line(tmp_path, files):
    files["tutorials/using-a-touchscreen.json"] = '{\n  "id": "using-a-touchscreen",\n' \
                                                  '  "title": {"en": "Touch"\n  "minutes": 3\n}\n'
    err = load_bad(tmp_path, files)
    assert err.file == "tutorials/using-a-touchscreen.json"
    assert "tutorials/using-a-touchscreen.json" in str(err)
    assert "not valid JSON" in str(err) and "line 4" in str(err)


def test_id_must_equal_file_name(tmp_path, files):
    files["services/register-to-vote.json"]["id"] = "register-to-vot"
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote", "id",
                 "register-to-vot'", "file name")


@pytest.mark.parametrize("file, item, path, value, field", [
    ("tutorials/using-a-touchscreen.json", "using-a-touchscreen", ["minutes"], "five",
     "minutes"),
    ("services/register-to-vote.json", "register-to-vote", ["title"], "Register to vote",
     "title"),
    ("services/register-to-vote.json", "register-to-vote", ["guide", "steps"], {},
     "guide.steps"),
    ("tutorials/spotting-scams.json", "spotting-scams",
     ["lessons", 0, "practice", "options", 1, "correct"], "yes",
     "lessons[0].practice.options[1].correct"),
    ("tutorials/spotting-scams.json", "spotting-scams", ["lessons", 0, "practice"], [],
     "lessons[0].practice"),
    ("tutorials/using-a-touchscreen.json", "using-a-touchscreen",
     ["lessons", 0, "practice", "targets", 0, "x"], 1.5, "lessons[0].practice.targets[0].x"),
])
def test_wrong_type_of_field(tmp_path, files, file, item, path, value, field):
    target = files[file]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    err = load_bad(tmp_path, files)
    assert_names(err, file, item, field)


@pytest.mark.parametrize("href", [
    "http://www.gov.uk/register-to-vote",
    "javascript:alert(1)",
    "www.gov.uk/register-to-vote",
    "https://www.gov.uk/register-to-vote\n",
])
def test_href_must_be_https(tmp_path, files, href):
    step = files["services/register-to-vote.json"]["guide"]["steps"][0]
    step["contents"][1]["items"][0]["href"] = href
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote",
                 "guide.steps[0].contents[1].items[0].href", "https://")


def test_official_url_must_be_https(tmp_path, files):
    files["services/register-to-vote.json"]["official_url"] = "http://www.gov.uk/x"
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote", "official_url")


@pytest.mark.parametrize("answer", ["Londres\u0301", "London\n", "x" * 61, "<b>"])
def test_type_this_answer_must_be_typeable(tmp_path, files, answer):
    files["tutorials/using-a-touchscreen.json"]["lessons"][1]["practice"]["answer"] = answer
    err = load_bad(tmp_path, files)
    assert_names(err, "tutorials/using-a-touchscreen.json", "using-a-touchscreen",
                 "lessons[1].practice.answer")


@pytest.mark.parametrize("correct", [(False, False), (True, True)])
def test_choose_answer_needs_exactly_one_correct_option(tmp_path, files, correct):
    options = files["tutorials/spotting-scams.json"]["lessons"][0]["practice"]["options"]
    for option, value in zip(options, correct):
        option["correct"] = value
    err = load_bad(tmp_path, files)
    assert_names(err, "tutorials/spotting-scams.json", "spotting-scams",
                 "lessons[0].practice.options", "exactly one")


def test_first_step_cannot_be_or(tmp_path, files):
    files["services/register-to-vote.json"]["guide"]["steps"][0]["logic"] = "or"
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote",
                 "guide.steps[0].logic", "first step")


def test_unknown_extra_field(tmp_path, files):
    files["services/register-to-vote.json"]["colour"] = "blue"
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote", "colour",
                 "not a known field")


def test_unknown_extra_field_nested(tmp_path, files):
    files["tutorials/using-a-touchscreen.json"]["lessons"][1]["practice"]["script"] = "x()"
    err = load_bad(tmp_path, files)
    assert_names(err, "tutorials/using-a-touchscreen.json", "using-a-touchscreen",
                 "lessons[1].practice.script", "not a known field")


@pytest.mark.parametrize("text", [{"ar": "ملخص"}, {"en": "   ", "ar": "ملخص"}])
def test_missing_english_text(tmp_path, files, text):
    files["services/register-to-vote.json"]["summary"] = text
    err = load_bad(tmp_path, files)
    assert_names(err, "services/register-to-vote.json", "register-to-vote", "summary.en",
                 "English")


def test_an_old_packs_centre_is_ignored_with_a_note(tmp_path, files, capsys):
    """One pack serves every centre: a centre's own information is configuration. A pack
    made before that still loads (its centre.json, even a broken one, is not read)."""
    files["centre.json"] = dict(CENTRE, help=[{"bn": "সাহায্য"}])
    cat = content.load(write(tmp_path, files))
    assert list(cat.services) == ["register-to-vote"]
    assert len(cat.notes) == 1 and "centre.json is ignored" in cat.notes[0]
    assert all(item != "test-library" for item, _ in cat.texts())
    assert content_cli.main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "valid" in out and err.startswith("note: centre.json is ignored")


def test_file_listed_in_index_but_missing(tmp_path, files):
    files["content.json"]["services"].append("council-tax")
    err = load_bad(tmp_path, files)
    assert err.file == "services/council-tax.json"
    assert str(err).startswith("services/council-tax.json") and "missing" in str(err)


def test_invalid_language_in_index(tmp_path, files):
    files["content.json"]["languages"].append("klingon")
    err = load_bad(tmp_path, files)
    assert_names(err, "content.json", "", "languages[3]", "klingon")


# kiosk-content validate

def test_cli_validate_good_content(tmp_path, capsys):
    src = write(tmp_path, good_files())
    assert content_cli.main(["validate", str(src)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "1 services, 2 tutorials" in out
    total = len(list(content.load(src).texts()))
    lines = out.splitlines()
    by_lang = {line.split()[0]: line for line in lines
               if line.startswith("  ") and line.split()[0] in ("en", "ar", "bn")}
    assert f"{total}/{total}" in by_lang["en"] and by_lang["en"].endswith("100%  source")
    assert f" 2/{total}" in by_lang["ar"] and \
        by_lang["ar"].endswith(f"{100 * 2 // total}%  unreviewed")
    assert f" 0/{total}" in by_lang["bn"] and by_lang["bn"].endswith(" 0%  not translated")
    rows = {line.split()[0]: line.split()[1:] for line in lines
            if line.strip() and line.split()[0] in ("register-to-vote", "spotting-scams",
                                                    "using-a-touchscreen")}
    assert rows["spotting-scams"] == ["100", "0", "0"]
    assert rows["using-a-touchscreen"][0] == "100" and rows["using-a-touchscreen"][2] == "0"
    assert 0 < int(rows["using-a-touchscreen"][1]) < 100


def test_cli_validate_bad_content(tmp_path, capsys):
    files = good_files()
    files["services/register-to-vote.json"]["guide"]["steps"][0]["logic"] = "or"
    src = write(tmp_path, files)
    assert content_cli.main(["validate", str(src)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: services/register-to-vote.json")
    assert "guide.steps[0].logic" in err


def test_cli_validate_missing_directory(tmp_path, capsys):
    assert content_cli.main(["validate", str(tmp_path / "nowhere")]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error:") and "nowhere" in err


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.content_cli", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_subprocess(tmp_path):
    good = write(tmp_path / "good", good_files())
    files = good_files()
    files["tutorials/spotting-scams.json"]["next"] = ["no-such-item"]
    bad = write(tmp_path / "bad", files)

    ok = _run("validate", str(good))
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout and ok.stderr == ""

    fail = _run("validate", str(bad))
    assert fail.returncode == 1
    assert fail.stdout == ""
    assert fail.stderr.count("\n") == 1, fail.stderr  # one line, no traceback
    assert fail.stderr.startswith("error: tutorials/spotting-scams.json")
    assert "next[0]" in fail.stderr and "no-such-item" in fail.stderr

    missing = _run("validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1

    helped = _run("validate", "--help")
    assert helped.returncode == 0 and "SRC" in helped.stdout
    top = _run("--help")
    assert top.returncode == 0 and "validate" in top.stdout


# Review status per language (issue 16)

def test_review_status_is_read_and_validate_shows_it(tmp_path, files, capsys):
    files["content.json"]["review"] = {
        "ar": {"status": "reviewed", "by": "Layla Haddad", "date": "2026-11-30",
               "note": "Tower Hamlets volunteers"},
        "bn": {"status": "unreviewed", "date": "2026-12-03", "note": "machine translation"}}
    cat = content.load(write(tmp_path, files))
    assert cat.review("ar").reviewed and cat.review("ar").by == "Layla Haddad"
    assert cat.review("bn") == content.Review("unreviewed", date="2026-12-03",
                                              note="machine translation")
    assert cat.review("en") is None
    assert content_cli.main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "reviewed by Layla Haddad, 2026-11-30 (Tower Hamlets volunteers)" in out
    assert "0%  not translated" in out  # bn: nothing translated yet, whatever its status


def test_a_language_without_a_review_entry_is_unreviewed(tmp_path, files):
    cat = content.load(write(tmp_path, files))
    assert cat.review("ar") == content.Review() and not cat.review("ar").reviewed


@pytest.mark.parametrize("review,field,words", [
    ({"ar": {"status": "reviewed", "by": "Layla"}}, "review.ar", ("needs", '"date"')),
    ({"ar": {"status": "done"}}, "review.ar.status", ("'done'", "unreviewed, reviewed")),
    ({"ar": {"status": "reviewed", "by": "L", "date": "30/11/2026"}}, "review.ar.date",
     ("YYYY-MM-DD",)),
    ({"fr": {"status": "unreviewed"}}, "review.fr", ("not one of",)),
    ({"en": {"status": "unreviewed"}}, "review.en", ("not one of",)),
    ({"ar": {"status": "unreviewed", "who": "x"}}, "review.ar.who", ("not a known",)),
    ({"ar": "reviewed"}, "review.ar", ("object",)),
])
def test_a_wrong_review_status_is_named(tmp_path, files, review, field, words):
    files["content.json"]["review"] = review
    err = load_bad(tmp_path, files)
    assert_names(err, "content.json", "", field, *words)
