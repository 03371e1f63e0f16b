"""Which sites the official-service browser may load (core/sites.py), and how that becomes
Chromium's resolver rules (services/browser.py)."""

from __future__ import annotations

import pytest

from kiosk.core import content, settings, sites
from kiosk.services.browser import preferences, resolver_rules
from tests import REPO_ROOT


def test_lists_are_checked_and_made_plain():
    assert sites.parse_list("gov.uk, NHS.uk  *.tfl.gov.uk .police.uk.") == \
        ("gov.uk", "nhs.uk", "tfl.gov.uk", "police.uk")
    assert sites.parse_list("") == ()
    for bad in ("gov_uk", "https://gov.uk", "gov.uk/path", "a..b", "-x.uk", "*"):
        with pytest.raises(sites.SiteError):
            sites.parse_list(bad)


def test_a_site_allows_itself_and_what_is_under_it():
    allowed = ("gov.uk", "freedompass.org")
    assert sites.allows(allowed, "www.gov.uk")
    assert sites.allows(allowed, "signin.account.gov.uk")
    assert sites.allows(allowed, "GOV.UK.")
    assert sites.allows(allowed, "freedompass.org")
    assert not sites.allows(allowed, "evilgov.uk")
    assert not sites.allows(allowed, "gov.uk.evil.com")
    assert not sites.allows(allowed, "example.org")


def test_a_services_sites_come_from_its_content_and_the_common_list():
    catalogue = content.load(settings.DEFAULT_CONTENT_DIR)
    pass_ = catalogue.services["freedom-pass"]
    found = sites.for_service(pass_, ("gov.uk", "nhs.uk"))
    assert "freedompass.org" in found  # www. dropped: the site and everything under it
    assert {"gov.uk", "nhs.uk"} <= set(found)
    assert all(sites.SITE_RE.match(s) for s in found)
    street = catalogue.services["report-a-street-problem"]
    assert "fixmystreet.com" in sites.for_service(street)
    assert sites.for_urls(["file:///etc/passwd", "javascript:alert(1)", "not a url"]) == ()


def test_settings_refuse_a_bad_allow_list():
    assert settings.load("browser_allow = 'gov.uk police.uk'", environ={}).browser_allow
    with pytest.raises(settings.SettingsError, match="browser_allow"):
        settings.load("browser_allow = 'gov.uk, not a site!'", environ={})
    with pytest.raises(settings.SettingsError, match="browser"):
        settings.load("browser = ' '", environ={})
    s = settings.load(None, environ={"KIOSK_BROWSER": "google-chrome"})
    assert s.browser == "google-chrome"


def test_resolver_rules_refuse_everything_but_the_sites():
    assert resolver_rules(["gov.uk", "localhost"]) == (
        "MAP * ~NOTFOUND, EXCLUDE gov.uk, EXCLUDE *.gov.uk, EXCLUDE localhost, "
        "EXCLUDE *.localhost")
    assert resolver_rules([]) == "MAP * ~NOTFOUND"
    with pytest.raises(sites.SiteError):  # nothing can be slipped into the rules
        resolver_rules(["gov.uk, EXCLUDE *"])


def test_profile_preferences_lock_what_the_policy_locks(tmp_path):
    import json

    prefs = preferences(tmp_path)
    assert prefs["download_restrictions"] == 3
    assert prefs["devtools"]["availability"] == 2
    assert prefs["credentials_enable_service"] is False
    assert prefs["autofill"] == {"profile_enabled": False, "credit_card_enabled": False}
    assert prefs["signin"]["allowed"] is False
    assert "pdf" in prefs["printing"]["printer_type_deny_list"]
    policy = json.loads((REPO_ROOT / "config" / "chromium-policy.json").read_text())
    assert policy["DownloadRestrictions"] == 3
    assert policy["DeveloperToolsAvailability"] == 2
    assert policy["PasswordManagerEnabled"] is False
    assert policy["AutofillAddressEnabled"] is False
    assert policy["AutofillCreditCardEnabled"] is False
    assert policy["BrowserSignin"] == 0
    assert policy["ExtensionInstallBlocklist"] == ["*"]
    assert "pdf" in policy["PrinterTypeDenyList"]


def test_the_install_step_puts_the_policy_where_each_browser_reads_it(tmp_path):
    import json
    import subprocess

    script = REPO_ROOT / "scripts" / "install-browser-policy.sh"
    subprocess.run([str(script), "--root", str(tmp_path)], check=True, capture_output=True)
    source = json.loads((REPO_ROOT / "config" / "chromium-policy.json").read_text())
    for folder in ("etc/chromium/policies/managed", "etc/opt/chrome/policies/managed",
                   "etc/opt/edge/policies/managed"):
        assert json.loads((tmp_path / folder / "kiosk.json").read_text()) == source
    bad = subprocess.run([str(script), "--bogus"], check=False, capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
