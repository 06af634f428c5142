#!/usr/bin/env python3
"""Checks a folder written by tools/report.py (tests/cli/demo_report_test.sh): the HTML page parses,
has every section, embeds only real PNG charts and fetches nothing; spot numbers equal the files'.

  check_report.py FOLDER OUTPUT.h5 [--lift LIFT.h5] [--missing SECTION,...]
    --lift      the page was made with this lift file: its section has the overall uplift and a chart
    --missing   these sections must say "not in this output" and hold no chart
"""
import argparse
import base64
import io
import os
import sys
from html.parser import HTMLParser

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

SECTIONS = ["kpis", "segments", "recommendations", "audiences", "risk", "lift", "training"]
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Collects the h2 ids, the images and every URL-bearing attribute, and the text of each section."""

    def __init__(self):
        super().__init__()
        self.ids, self.images, self.urls, self.text = [], [], [], {}
        self.section, self.open_tags = None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ("img", "meta", "br", "hr", "link", "input"):
            self.open_tags.append(tag)
        if tag == "h2" and "id" in a:
            self.ids.append(a["id"])
            self.section = a["id"]
            self.text[self.section] = ""
        if tag == "img":
            self.images.append((self.section, a.get("src", "")))
        self.urls += [v for k, v in attrs if k in ("src", "href", "action", "data") and v]

    def handle_endtag(self, tag):
        if self.open_tags and self.open_tags[-1] == tag:
            self.open_tags.pop()
        else:
            raise ValueError(f"</{tag}> closes <{self.open_tags[-1] if self.open_tags else 'nothing'}>")

    def handle_data(self, data):
        if self.section:
            self.text[self.section] += data


def png(src):
    """The bytes of a data-URL PNG and whether matplotlib decodes them into a picture."""
    head = "data:image/png;base64,"
    if not src.startswith(head):
        return b"", False
    data = base64.b64decode(src[len(head):], validate=True)
    try:
        picture = plt.imread(io.BytesIO(data), format="png")
        return data, picture.ndim == 3 and min(picture.shape[:2]) > 100
    except Exception:  # noqa: BLE001 (any decoder error means not a picture)
        return data, False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("output")
    ap.add_argument("--lift")
    ap.add_argument("--missing", default="")
    args = ap.parse_args()
    missing = [s for s in args.missing.split(",") if s]
    path = os.path.join(args.folder, "report.html")
    check(os.path.exists(path), f"{path} written")
    source = open(path, encoding="utf-8").read()
    page = Page()
    try:
        page.feed(source)
        page.close()
        check(not page.open_tags, f"report.html parses, every tag closed ({page.open_tags} open)")
    except ValueError as e:
        check(False, f"report.html parses: {e}")
    check(all(s in page.ids for s in SECTIONS), f"every section present: {SECTIONS} in {page.ids}")
    external = [u for u in page.urls if "://" in u or u.startswith("//")]
    check(not external and "http://" not in source and "https://" not in source, f"no external URL ({external[:3]})")
    for section, src in page.images:
        data, ok = png(src)
        check(ok and data[:8] == PNG and len(data) > 10000, f"{section}: embedded image is a decodable PNG ({len(data)} bytes)")
    with_charts = {s for s, _ in page.images}
    for s in SECTIONS:
        if s in missing:
            check("not in this output" in page.text.get(s, "") and s not in with_charts, f"{s}: says not in this output, no chart")
        elif s != "kpis" and (s != "lift" or args.lift):
            check(s in with_charts, f"{s}: has a chart")
    with h5py.File(args.output, "r") as f:
        users = f["model/user_factors"].shape[0]
        check(f"{users:,}" in page.text["kpis"], f"key figures: {users:,} users")
        if "held_out_ratings" in f["metrics"].attrs:
            held = int(f["metrics"].attrs["held_out_ratings"])
            check(f"{held:,}" in page.text["kpis"], f"key figures: {held:,} ratings held out")
    if args.lift:
        with h5py.File(args.lift, "r") as lf:
            g = lf["lift/overall"]
            want = f"{100 * g['uplift'][0]:+.2f} pp"
            interval = f"{100 * g['uplift_low'][0]:+.2f} pp to {100 * g['uplift_high'][0]:+.2f} pp"
        check(want in page.text["lift"] and interval in page.text["lift"], f"lift: overall uplift {want}, interval {interval}")
    else:
        check("crossmf lift" in page.text["lift"], "lift: says how to get a lift file")
    finish()


if __name__ == "__main__":
    main()
