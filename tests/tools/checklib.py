"""Shared by the end-to-end tests: one printed line per check, then the count and exit status."""
import sys

fails = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails.append(what)


def finish():
    print(f"{len(fails)} failed")
    sys.exit(1 if fails else 0)
