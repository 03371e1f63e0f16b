"""kiosk-content: the content editors' tool.

`kiosk-content validate SRC` checks a content source (schema, links, every language's
completeness). A mistake is one line on stderr naming the file, the item and the field.

`import-govuk SRC FILE_OR_URL...` writes or updates guides from GOV.UK Content API documents
(step_by_step_nav, transaction; kiosk/content_govuk.py), `--check` shows the difference only.

`keygen`, `build` and `verify` make signing keys, build signed content packs and check them
(kiosk/core/packs.py). Their user errors are one line, `kiosk-content: <reason>`, exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk import clikit, content_govuk
from kiosk.clikit import Progress, UserError
from kiosk.core import content, languages, packs


def needing_update(cat: content.Catalogue) -> dict[str, int]:
    """Per language, how many translations were made from an English that changed since."""
    found: dict[str, int] = {}
    for _, text in cat.texts():
        for lang in text.stale:
            if text.needs_update(lang):
                found[lang] = found.get(lang, 0) + 1
    return found


def completeness(cat: content.Catalogue) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Per language, how many texts have it: (over all texts, per item id).

    The "" key in each holds the number of texts, so percentages need nothing else.
    """
    total: dict[str, int] = {"": 0}
    per_item: dict[str, dict[str, int]] = {}
    for item_id, text in cat.texts():
        counts = per_item.setdefault(item_id, {"": 0})
        for c in (total, counts):
            c[""] += 1
            for lang in cat.languages:
                c[lang] = c.get(lang, 0) + text.has(lang)
    return total, per_item


def _pct(n: int, of: int) -> int:
    """A percentage rounded down, so 100 means every text really is translated."""
    return 100 * n // of if of else 100


def report(cat: content.Catalogue, src: Path) -> str:
    total, per_item = completeness(cat)
    langs = cat.languages
    summary = (f"{src}: valid, {len(cat.services)} services, {len(cat.tutorials)} tutorials, "
               f"{total['']} texts")
    lines = [summary, "", "Completeness and review by language:"]
    for lang in langs:
        name = languages.get(lang).english_name
        review = cat.review(lang)
        lines.append(f"  {lang:<4}{name:<12}{total.get(lang, 0):>6}/{total['']:<6}"
                     f"{_pct(total.get(lang, 0), total['']):>4}%"
                     + ("  source" if review is None else "  not translated"
                        if not total.get(lang) else f"  {review.describe()}"))
    width = max([len(i) for i in per_item] + [4])
    lines += ["", "Completeness by item (%):",
              "  " + "item".ljust(width) + "".join(f"{lang:>5}" for lang in langs)]
    for item_id, counts in per_item.items():
        lines.append("  " + item_id.ljust(width)
                     + "".join(f"{_pct(counts[lang], counts['']):>5}" for lang in langs))
    stale = needing_update(cat)
    if stale:
        lines += ["", ("Translations that need an update (their English changed; shown in "
                       "English until updated):")]
        lines += [f"  {lang:<4}{languages.get(lang).english_name:<12}{n:>6}"
                  for lang, n in sorted(stale.items())]
    if cat.councils is not None:
        table = cat.councils
        pages = sum(len(c.pages) for c in table.councils.values())
        lines += ["", (f"Councils: {len(table.councils)} (all of London's 33), {pages} council "
                       "page(s) recorded; other council services link to GOV.UK's page, "
                       "which asks for a postcode")]
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    src = Path(args.src)
    if not src.is_dir():
        problem = "is not a directory" if src.exists() else "no such content directory"
        print(f"error: {src}: {problem}", file=sys.stderr)
        return 2
    try:
        cat = content.load(src)
    except content.ContentError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # unreadable file, a directory where a file should be...
        print(f"error: {e.filename or src}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(report(cat, src))
    for note in cat.notes:  # valid, but something in it is not used (an old centre.json)
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_import_govuk(args: argparse.Namespace) -> int:
    from kiosk.core import sites

    src = Path(args.src)
    try:
        allow = sites.parse_list(" ".join(args.allow)) if args.allow else \
            content_govuk.govuk.DEFAULT_ALLOW
    except sites.SiteError as e:
        raise UserError(f"--allow: {e}") from None
    sources = list(args.sources)
    if args.recorded:
        if args.id:
            raise UserError("--recorded updates every imported guide by its own id; leave "
                            "out --id")
        sources += content_govuk.recorded_sources(src, args.api)
    if not sources:
        raise UserError("no documents: give FILE_OR_URL..., or --recorded for every guide "
                        "imported before")
    outcomes, text = content_govuk.run(src, sources, args.id, args.check, args.adopt,
                                       allow)
    print(text)
    changed = [o for o in outcomes if o.new or o.changes]
    if args.check:
        print(f"nothing written (--check); {len(changed)} of {len(outcomes)} guide(s) "
              "changed on GOV.UK")
        if args.exit_code and changed:
            return 3
    else:
        stale = sum(sum(o.stale.values()) for o in outcomes)
        print(f"wrote {len(outcomes)} guide(s) in {src}"
              + (f"; {stale} translation(s) marked as needing an update" if stale else ""))
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    key, pub = packs.generate_keypair(args.out, args.name)
    kid = packs.load_trusted_keys(pub)
    print(f"secret key: {key} (keep it private; it signs content packs)")
    print(f"public key: {pub} (key id {next(iter(kid))}; add it to KIOSK_TRUSTED_KEYS)")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    sk = packs.load_secret_key(args.key)
    version = args.version
    if version is None:  # a number that goes up by itself: the build time, UTC
        version = int(datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    with Progress("hashing", unit="files") as progress:
        m = packs.build(args.src, args.out, sk, version, args.valid_days,
                        progress=progress.update)
    print(f"{args.out}: pack version {m.version}, {len(m.files)} files, "
          f"{m.total_bytes} bytes, languages {', '.join(m.languages)}, "
          f"expires {m.expires:%Y-%m-%d %H:%M} UTC, signed by key {m.key_id}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    keyfile = args.pubkey or os.environ.get("KIOSK_TRUSTED_KEYS")
    if not keyfile:
        raise UserError("no public key: give --pubkey KEY (or set KIOSK_TRUSTED_KEYS)")
    trusted = packs.load_trusted_keys(keyfile)
    with Progress("checking", unit="files") as progress:
        m = packs.verify(args.pack, trusted, progress=progress.update)
    print(f"{args.pack}: OK, signed by {m.signer} (key {m.key_id})")
    print(f"version: {m.version}")
    print(f"files: {len(m.files)} ({m.total_bytes} bytes)")
    print(f"languages: {', '.join(m.languages)}")
    print(f"expires: {m.expires:%Y-%m-%d %H:%M} UTC")
    return 0


def cmd_export_po(args: argparse.Namespace) -> int:
    from kiosk.core import po

    src = _content_dir(args.src)
    codes = [c for c in languages.LANGUAGES if c != "en"] if args.lang == ["all"] else args.lang
    for code in codes:
        try:
            path = po.export(src, code, args.out)
        except ValueError as e:  # an unknown language, content that does not validate
            raise UserError(str(e)) from None
        print(f"{path}: {len(po.places(src))} texts for {languages.get(code).english_name}")
    return 0


def cmd_import_po(args: argparse.Namespace) -> int:
    from kiosk.core import po

    src = _content_dir(args.src)
    given = Path(args.po)
    files = sorted(given.glob("*.po")) if given.is_dir() else [given]
    if not files or not files[0].exists():
        raise UserError(f"{given}: no PO files there" if given.is_dir()
                        else f"{given}: no such file")
    fits = None if args.no_fit_check else _measured_by_kivy
    read, refused = [], []
    for f in files:  # every file is checked before anything is written
        try:
            read.append((f, *po.read(f, src, fits=fits)))
        except po.PoError as e:
            refused.append(e)
    if refused:  # the reason on the first line, then one line per wrong entry
        for e in refused:
            print(f"kiosk-content: {e}", file=sys.stderr)
        return 1
    before = {p: p.read_bytes() for p in [src / "content.json",
                                          *(src / f for f in {x.file for x in po.places(src)})]}
    counts = []
    for f, lang, texts, review in read:
        counts.append((f, lang, len(texts), po.apply(src, lang, texts, review)))
    try:
        content.load(src)
    except content.ContentError as e:  # cannot happen after the checks, but never leave it
        for path, data in before.items():
            path.write_bytes(data)
        raise UserError(f"the imported content does not validate, nothing changed: {e}") from None
    for f, lang, n, changed in counts:
        print(f"{f}: {languages.get(lang).english_name}, {n} translated texts, "
              f"{changed} changed")
    return 0


def _measured_by_kivy(pairs, lang: str) -> list[str]:
    """kiosk.app.fit's measurement of buttons' texts, in its own process (Kivy)."""
    given = [{"context": p.context, "pointer": p.pointer, "text": t} for p, t in pairs]
    env = {**os.environ, "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_ARGS": "1"}
    run = subprocess.run([sys.executable, "-m", "kiosk.app.fit", lang], input=json.dumps(given),
                         capture_output=True, text=True, env=env, check=False, timeout=300)
    if run.returncode != 0:
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"cannot measure the buttons' text (give --no-fit-check to skip "
                        f"it): {tail}")
    return json.loads(run.stdout)


def _content_dir(src: str) -> Path:
    path = Path(src)
    if not (path / "content.json").is_file():
        raise UserError(f"{src}: not a content directory (no content.json)")
    return path


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-content", description="The content editors' tool for the kiosk.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("validate", help="check a content source: schema, links, languages",
                       description="Check a content source directory: every file's schema, "
                                   "the links between items, and how complete each language "
                                   "is. Exits 1 with one line naming the file, the item and "
                                   "the field at the first mistake.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("import-govuk", help="write or update guides from GOV.UK documents",
                       description="Read GOV.UK Content API documents (step_by_step_nav: the "
                                   "steps; transaction: the start page) from files or URLs and "
                                   "write or update guides in SRC, in English. A guide imported "
                                   "before is updated with what GOV.UK changed: translations of "
                                   "changed English are marked as needing an update (shown in "
                                   "English until then); what the kiosk added stays. Each "
                                   "guide's record is kept in SRC/govuk/<id>.json.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.add_argument("sources", metavar="FILE_OR_URL", nargs="*",
                   help="a saved document, or its address (www.gov.uk/... is fetched from "
                        "GOV.UK's Content API)")
    p.add_argument("--check", action="store_true",
                   help="show the difference (steps, fees, links changed) and write nothing")
    p.add_argument("--id", metavar="ID",
                   help="the guide's id (default: from the document's address); all the "
                        "documents given go into this one guide")
    p.add_argument("--recorded", action="store_true",
                   help="also read again, from GOV.UK's Content API, every document a guide "
                        "was imported from (its record in SRC/govuk/): with --check, what a "
                        "daily job runs to tell the editors what GOV.UK changed")
    p.add_argument("--api", metavar="URL", default=content_govuk.CONTENT_API,
                   help=f"where --recorded reads documents (default {content_govuk.CONTENT_API})")
    p.add_argument("--exit-code", action="store_true",
                   help="with --check: exit 3 when a guide changed on GOV.UK (0 when none did)")
    p.add_argument("--adopt", action="store_true",
                   help="let GOV.UK's words replace those of a guide written by hand")
    p.add_argument("--allow", nargs="+", metavar="SITE",
                   help="the sites links may go to without a warning (default: gov.uk "
                        "nhs.uk, the terminals' usual browser_allow)")
    p.set_defaults(func=cmd_import_govuk)

    p = sub.add_parser("keygen", help="make a signing key pair for content packs",
                       description="Make an Ed25519 key pair: DIR/publisher.key (secret, "
                                   "signs packs) and DIR/publisher.pub (give it to kiosks, "
                                   "in their KIOSK_TRUSTED_KEYS file). Never overwrites a key.")
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the keys")
    p.add_argument("--name", default="publisher",
                   help="a name for the key, written after it in publisher.pub")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("build", help="build and sign a content pack",
                       description="Validate the content source, then write a signed "
                                   "content pack directory: manifest.json, manifest.sig and "
                                   "files/<sha256>.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.add_argument("--out", required=True, metavar="PACK",
                   help="the pack directory to write (must not exist, or be empty)")
    p.add_argument("--key", required=True, metavar="KEY",
                   help="the secret key file (publisher.key, from keygen)")
    p.add_argument("--version", type=_positive_int, metavar="N",
                   help="the pack's version, higher than any before it "
                        "(default: the build time as YYYYMMDDHHMMSS)")
    p.add_argument("--valid-days", type=_positive_int, default=90, metavar="D",
                   help="days until the pack expires (default 90)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("verify", help="check a pack's signature and every file's hash",
                       description="Check a content pack: size limits, manifest, signature "
                                   "by a trusted key, expiry, every file's size and SHA-256, "
                                   "and that it holds nothing else.")
    p.add_argument("pack", metavar="PACK", help="the pack directory")
    p.add_argument("--pubkey", metavar="KEY",
                   help="a public key file (publisher.pub) or trusted keys file "
                        "(default: $KIOSK_TRUSTED_KEYS)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("export-po", help="content to gettext PO files, one per language",
                       description="Write OUT/<lang>.po for translators (Poedit, Weblate, "
                                   "Pontoon): each text of the content as an entry, the "
                                   "English as msgid, the language's text as msgstr, where "
                                   "it lives as msgctxt and source reference, and the "
                                   "language's review status in the header.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.add_argument("--lang", required=True, action="append", metavar="L",
                   help="a language code (repeat for several, or 'all')")
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the PO files")
    p.set_defaults(func=cmd_export_po)

    p = sub.add_parser("import-po", help="PO files back into the content",
                       description="Read translated PO files (a file, or every *.po in a "
                                   "directory) into the content source. Every entry is "
                                   "checked first: it must be a text of the content with "
                                   "the same English, keep its placeholders, markup, line "
                                   "breaks and addresses, and a button's text must fit at "
                                   "200 %% text size. A wrong file is refused with one line "
                                   "per wrong entry, and nothing is written. Empty or fuzzy "
                                   "entries leave the content's text as it is.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.add_argument("po", metavar="DIR", help="a PO file, or a directory of them")
    p.add_argument("--no-fit-check", action="store_true",
                   help="skip measuring buttons' text (needs no Kivy)")
    p.set_defaults(func=cmd_import_po)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kiosk.core.po import PoError

    return clikit.run("kiosk-content", lambda: args.func(args),
                      expected=(packs.PackError, PoError, content.ContentError))


if __name__ == "__main__":
    sys.exit(main())
