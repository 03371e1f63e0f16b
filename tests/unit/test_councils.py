"""London's councils in the content: the table is checked (all 33, unique codes, every
address https:// on the council's own domain, no page without who checked it), a centre
names its council by its official code, and a council step goes to the council's page, to
GOV.UK's postcode page, or to "find your local council"."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from kiosk import content_cli
from kiosk.core import config, content, councils

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((ROOT / "assets/content/councils.json").read_text(encoding="utf-8"))


def load(data):
    r = content._Reader(councils.FILE, "")
    return councils.load(data, lambda v, where: r.text_value(v, where))


def test_the_bundled_table_has_londons_33_councils_each_with_a_source():
    table = load(TABLE)
    assert sorted(table.councils) == list(councils.LONDON_CODES)
    assert table.councils["E09000022"].name == "Lambeth"
    assert table.councils["E09000001"].name == "City of London"
    for c in table.councils.values():
        host = c.homepage.split("/")[2]
        assert c.homepage.startswith("https://") and c.source
        assert host == c.domain or host.endswith("." + c.domain)  # new.enfield.gov.uk
        assert len(c.register) == 3 and c.govuk_slug
        # no page recorded that nobody checked
        assert set(c.pages) <= set(c.checked)
    assert set(table.services) == set(councils.SERVICES)
    assert all(s.govuk.startswith("https://www.gov.uk/") for s in table.services.values())


def broken(change):
    data = copy.deepcopy(TABLE)
    change(data)
    return data


@pytest.mark.parametrize("change, message", [
    (lambda d: d["councils"].pop(), "32 of London's 33 councils; missing E09000033"),
    (lambda d: d["councils"].append(dict(d["councils"][0])), "council E09000001: appears twice"),
    (lambda d: d["councils"][3].update(code="E09000034"), "not a London council's official"),
    (lambda d: d["councils"][21]["pages"].update(council_tax="https://www.lambeth.gov.uk/ct"),
     "checked.council_tax: a page nobody has checked"),
    (lambda d: (d["councils"][21]["pages"].update(council_tax="http://www.lambeth.gov.uk/ct"),
                d["councils"][21]["checked"].update(council_tax="ed, 2026-12-01")),
     "is not an https:// address"),
    (lambda d: (d["councils"][21]["pages"].update(council_tax="https://lambeth.gov.uk.evil.com/"),
                d["councils"][21]["checked"].update(council_tax="ed, 2026-12-01")),
     "is not on the council's own domain lambeth.gov.uk"),
    (lambda d: d["councils"][21].update(homepage="https://www.southwark.gov.uk/"),
     "not on the council's own domain lambeth.gov.uk"),
    (lambda d: d["councils"][21].update(source=""), "say where the name, code and domain"),
    (lambda d: d["councils"][22].update(name="Lambeth"), "is used by another council"),
    (lambda d: d["councils"][22].update(name="Lewisham Borough"),
     "the council with this code is 'Lewisham'"),
    (lambda d: d["services"].pop("housing"), "housing missing"),
])
def test_mistakes_in_the_table_are_named(change, message):
    with pytest.raises(councils.CouncilError, match=message.replace("(", r"\(")):
        load(broken(change))


def test_validate_checks_the_table(tmp_path, capsys):
    src = tmp_path / "content"
    shutil.copytree(ROOT / "assets/content", src)
    assert content_cli.main(["validate", str(src)]) == 0
    assert "Councils: 33 (all of London's 33)" in capsys.readouterr().out
    data = broken(lambda d: d["councils"].pop(5))
    (src / councils.FILE).write_text(json.dumps(data), encoding="utf-8")
    assert content_cli.main(["validate", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: councils.json: councils: 32 of London's 33") and \
        "E09000006" in err


def test_where_a_council_step_goes():
    table = load(broken(lambda d: (
        d["councils"][21]["pages"].update(council_tax="https://www.lambeth.gov.uk/ct"),
        d["councils"][21]["checked"].update(council_tax="ed, 2026-12-01"))))
    d = councils.destination(table, "E09000022", "council_tax")
    assert (d.url, d.council.name, d.on_council_site) == \
        ("https://www.lambeth.gov.uk/ct", "Lambeth", True)
    d = councils.destination(table, "E09000022", "housing")  # no page recorded: GOV.UK's
    assert (d.url, d.council.name, d.on_council_site) == \
        ("https://www.gov.uk/council-housing", "Lambeth", False)
    d = councils.destination(table, "", "council_tax")  # no council set
    assert (d.url, d.council) == (councils.FIND_COUNCIL, None)
    assert councils.destination(None, "E09000022", "council_tax").url == councils.FIND_COUNCIL


def test_the_browser_may_load_the_councils_site_for_a_guide_with_a_council_step():
    cat = content.load(ROOT / "assets/content")
    tax, passport = cat.services["council-tax"], cat.services["renew-a-passport"]
    assert councils.sites_for(cat.councils, "E09000022", tax) == ("lambeth.gov.uk",)
    everyone = councils.sites_for(cat.councils, "", tax)
    assert len(everyone) == 33 and "lbhf.gov.uk" in everyone
    assert councils.sites_for(cat.councils, "E09000022", passport) == ()


def test_a_centre_names_its_council_by_its_official_code():
    assert config.check("centre.council", "e09000022 ") == "E09000022"
    assert config.check("centre.council", "") == ""
    assert config.parse("centre.council", "E09000033") == "E09000033"
    assert config.parse("centre.council", " kensington and  chelsea") == "E09000020"
    assert councils.named("E09000022") == "Lambeth (E09000022)"
    for bad in ("E09000000", "E09000034", "E06000001", "Lambeth Palace", 22):
        with pytest.raises(config.ConfigError, match="not a London council's official code"):
            config.check("centre.council", bad)


# --- the table against the public data it was checked with ------------------------------------

SOURCES = Path(__file__).parent / "council_sources"


def _public_rows():
    """The 33 London rows of three public datasets, kept verbatim beside this test
    (tests/unit/council_sources/README.md names each one's repository, path and commit)."""
    import csv

    with open(SOURCES / "local-links-manager-local-authorities.csv", encoding="utf-8") as f:
        govuk = {r["gss"]: r for r in csv.DictReader(f)}
    with open(SOURCES / "register-local-authority-eng.tsv", encoding="utf-8") as f:
        register = {r["local-authority-eng"]: r for r in csv.DictReader(f, delimiter="\t")}
    with open(SOURCES / "mysociety-lookup_gss_to_registry.csv", encoding="utf-8") as f:
        gss_to_register = {r["gss-code"]: r["local-authority-code"] for r in csv.DictReader(f)}
    return govuk, register, gss_to_register


def _site(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.").removeprefix("new.")


def test_each_council_agrees_with_govuk_the_register_and_mysociety():
    """Code, name, official name, register code, GOV.UK slug, domain and homepage of each
    of the 33, field by field, against GOV.UK's local-links-manager, the GOV.UK register
    `local-authority-eng` and mySociety's GSS-to-register lookup."""
    govuk, register, gss_to_register = _public_rows()
    assert len(govuk) == len(register) == len(gss_to_register) == 33
    assert sorted(govuk) == sorted(gss_to_register) == list(councils.LONDON_CODES)
    table = {c["code"]: c for c in TABLE["councils"]}
    for code, row in govuk.items():
        c = table[code]
        reg = register[gss_to_register[code]]
        assert c["register"] == gss_to_register[code], code
        assert c["name"] == reg["name"] == councils.LONDON[code], code
        assert c["official_name"] == row["name"] == reg["official-name"], code
        assert c["govuk_slug"] == row["slug"], code
        assert c["domain"] == _site(row["homepage_url"]) == _site(reg["website"]), code
        # GOV.UK's homepage, https (some rows still say http://; the kiosk opens only https)
        assert c["homepage"].rstrip("/") == \
            row["homepage_url"].replace("http://", "https://", 1).rstrip("/"), code
        assert "local-links-manager" in c["source"] and gss_to_register[code] in c["source"]


def test_register_codes_and_slugs_are_checked():
    for change, message in [
        (lambda d: d["councils"][21].update(register="lbh"), "register: 'lbh' is not"),
        (lambda d: d["councils"][22].update(register="LBH"), "register: 'LBH' is used by"),
        (lambda d: d["councils"][21].update(govuk_slug="Lambeth!"), "govuk_slug: 'Lambeth!'"),
        (lambda d: d["councils"][21].pop("register"), "register: 'None' is not"),
    ]:
        with pytest.raises(councils.CouncilError, match=re.escape(message)):
            load(broken(change))
