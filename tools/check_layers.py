#!/usr/bin/env python3
"""Fails the build when a file includes what its layer may not use (README's folder table).

The repository root is the include root of every layer, so the compiler alone would find any
header from anywhere; this check, a build step every layer's library depends on, is what keeps
the arrows. Usage: check_layers.py REPO_ROOT. Prints one line per broken rule, exits 1.
"""
import pathlib
import re
import sys

# Lowest first: folder, the layers it may use besides itself, whether it may see MPI and HDF5.
LAYERS = {
    "base": ("src/base", [], False, False),
    "numerics": ("src/numerics", ["base"], False, False),
    "kernels": ("src/kernels", ["base", "numerics"], False, False),
    "comm": ("src/comm", ["base", "numerics"], True, False),
    "model": ("src/model", ["base", "numerics", "kernels", "comm"], True, False),
    "io": ("io", ["base", "numerics", "comm"], True, True),
    "jobs": ("jobs", ["base", "numerics", "kernels", "comm", "model", "io"], True, True),
}
MPI_HEADER = re.compile(r"mpi\.h|mpi_.*\.h|openmpi/.*")
HDF5_HEADER = re.compile(r"hdf5.*\.h|H5.*\.h")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(header):
    for name, (folder, *_rest) in LAYERS.items():
        if header.startswith(folder + "/"):
            return name
    return None


def check_file(path, rel, name):
    folder, uses, mpi, hdf5 = LAYERS[name]
    allowed = uses + [name]
    with_mpi = ", ".join(n for n, layer in LAYERS.items() if layer[2])
    with_hdf5 = ", ".join(n for n, layer in LAYERS.items() if layer[3])
    problems = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        quoted, header = m.group(1) == '"', m.group(2)
        where = f"{rel}:{number}: {line.strip()}"
        if quoted:
            target = layer_of(header)
            if target is None:
                problems.append(f"{where}: not a header of any layer ({', '.join(LAYERS)})")
            elif target not in allowed:
                may = ", ".join(allowed[:-1]) + " and " + allowed[-1] if uses else name
                problems.append(f"{where}: layer rule: {name} ({folder}/) may include only {may}, not {target}")
        elif not mpi and MPI_HEADER.fullmatch(header):
            problems.append(f"{where}: layer rule: {name} ({folder}/) knows no MPI (only {with_mpi} do)")
        elif not hdf5 and HDF5_HEADER.fullmatch(header):
            problems.append(f"{where}: layer rule: {name} ({folder}/) knows no HDF5 (only {with_hdf5} do)")
    return problems


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    for name, (folder, _uses, _mpi, _hdf5) in LAYERS.items():
        for path in sorted((root / folder).glob("*")):
            if path.suffix in (".h", ".cc"):
                problems += check_file(path, path.relative_to(root), name)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print("error: the layers and their arrows are in tools/check_layers.py and README.md's folder table; "
              "move the code to the layer that may use it rather than adding an arrow", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
