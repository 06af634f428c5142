#!/usr/bin/env python3
"""Checks the structure rules of issue 19 that a reader relies on (README, folder table):
  - no function in jobs/ longer than 60 lines: the jobs read as pipelines of named stages;
  - no HDF5 path literal ("/a/b") outside io/schema.h: every dataset name is in one place;
  - no string comparison (== or != "...") of an option's value outside the name tables of
    src/base/choices.h: choices are enum classes.
Usage: check_structure.py REPO_ROOT. Prints one line per break, exits 1 if any."""
import pathlib
import re
import sys

MAX_JOB_LINES = 60
# Comparisons with a string literal that are not of an option's value: (file, literal, why).
NOT_OPTIONS = {
    ("src/base/config.cc", "auto"): "the parser of --lambda/--alpha auto, beside the name tables",
    ("src/base/config.cc", "none"): "the parser of --half-life none, beside the name tables",
    ("src/kernels/dispatch.cc", "auto"): "CROSSMF_ISA, an environment variable, against the kernel levels' own names",
    ("src/model/recommend.h", "finance"): "a domain name of the data",
    ("src/model/recommend.h", "insurance"): "a domain name of the data",
    ("io/atomic_output.cc", "btime"): "a key of /proc/stat",
    ("src/base/config.cc", "--help"): "the command line before any option is parsed",
    ("src/base/config.cc", "-h"): "the command line before any option is parsed",
    ("src/main.cc", "--version"): "the command line before any option is parsed",
    ("src/base/names.cc", "."): "a domain name that cannot name an output group",
    ("src/base/names.cc", ".."): "a domain name that cannot name an output group",
    ("src/base/timer.cc", "VmHWM:"): "a key of /proc/self/status",
    ("io/h5.cc", "/"): "HDF5's root group",
    ("io/text_reader.cc", " "): "a separator of the data",
    ("io/text_reader.cc", "\\t"): "a separator of the data",
}
OS_PATHS = ("/proc/", "/sys/", "/dev/")
SIGNATURE = re.compile(r"^[A-Za-z_][\w:<>,\s\*&]*\s[\w:~]+\(")
PATH_LITERAL = re.compile(r'"(/[a-z_]+(?:/[a-z_]+)*)"')
COMPARISON = re.compile(r'[!=]=\s*"([^"]*)"|"([^"]*)"\s*[!=]=')


def function_lengths(text):
    """(first line, length) of each top-level function: a signature at column 0 to the '}' there."""
    start = None
    for number, line in enumerate(text.splitlines(), 1):
        if start is None and SIGNATURE.match(line) and not line.rstrip().endswith(";") and \
                not line.startswith(("namespace", "struct", "class", "enum", "using", "template")):
            start = number
        elif start is not None and line.startswith("}"):
            yield start, number - start + 1
            start = None


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    files = [p for folder in ("src", "io", "jobs") for p in sorted((root / folder).rglob("*")) if p.suffix in (".h", ".cc")]
    for path in files:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(errors="replace")
        if rel.startswith("jobs/") and rel.endswith(".cc"):
            for first, length in function_lengths(text):
                if length > MAX_JOB_LINES:
                    problems.append(f"{rel}:{first}: a function of {length} lines; jobs/ keeps each under "
                                    f"{MAX_JOB_LINES + 1}: cut it into named stages")
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("//")[0]
            if rel != "io/schema.h":
                for m in PATH_LITERAL.finditer(code):
                    if not m.group(1).startswith(OS_PATHS):
                        problems.append(f"{rel}:{number}: HDF5 path \"{m.group(1)}\" outside io/schema.h; name it there")
            if rel != "src/base/choices.h":
                for m in COMPARISON.finditer(code):
                    literal = m.group(1) if m.group(1) is not None else m.group(2)
                    if (rel, literal) not in NOT_OPTIONS:
                        problems.append(f"{rel}:{number}: compares with \"{literal}\"; an option's value is an enum class "
                                        "with a name table in src/base/choices.h (a string of the data: list it in "
                                        "tools/check_structure.py with why)")
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
