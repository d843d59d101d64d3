#!/usr/bin/env python3
"""Checks that README.md's Reference names every object of the installed extension.

Called by test/docs/run.sh on its cluster (PGHOST, PGPORT, PGBIN), after the
examples.  Creates a database of its own with the extension, lists what the
extension has there, and checks that each name appears in a code span (`...`)
of the subsection of README.md's "## Reference" where a reader looks for it:

- functions, aggregates and procedures of schema ordertrack that belong to
  the extension, under "### Functions"; its tables, and its sequences, under
  "### Tables"; its views under "### Views"; its types, and the values of
  the type ordertrack.stage, under "### Types": the name, bare or
  schema-qualified;
- settings under "### Settings": the full name, ordertrack.name, of every
  setting the library defines once loaded;
- the duties (roles ordertrack_*) under "### Duties", the flag codes of
  ordertrack.flag_codes under "### Flag codes".

Prints a TAP line per kind, the names missing, and "N passed, N failed".
With --leave-out NAME it checks the Reference as if no code span of it named
NAME (bare or schema-qualified), which must fail: run.sh's test of the check.
"""
import os
import re
import subprocess
import sys

README = sys.argv[1] if len(sys.argv) > 1 else "README.md"
LEAVE_OUT = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--leave-out" else None
NAME = os.path.basename(README)
DB = "ot_docs_reference"

KINDS = [   # (kind, the Reference's subsection, the query that lists them)
    ("function", "Functions", """SELECT DISTINCT p.proname FROM pg_proc p
        JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ordertrack'"""),
    ("table", "Tables", """SELECT c.relname FROM pg_class c
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ordertrack'
        WHERE c.relkind IN ('r', 'p')"""),
    ("view", "Views", """SELECT c.relname FROM pg_class c
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ordertrack'
        WHERE c.relkind IN ('v', 'm')"""),
    ("sequence", "Tables", """SELECT c.relname FROM pg_class c
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ordertrack'
        WHERE c.relkind = 'S'"""),
    ("type", "Types", """SELECT t.typname FROM pg_type t
        JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ordertrack'"""),
    ("setting", "Settings", "SELECT name FROM pg_settings WHERE name LIKE 'ordertrack.%'"),
    ("duty", "Duties", "SELECT rolname FROM pg_roles WHERE rolname LIKE 'ordertrack\\_%'"),
    ("flag code", "Flag codes", "SELECT code FROM ordertrack.flag_codes"),
    ("stage", "Types", "SELECT enumlabel FROM pg_enum WHERE enumtypid = 'ordertrack.stage'::regtype"),
]


def as_owner(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.getuid() == 0 else cmd


def psql(db, sql):
    return subprocess.run(as_owner([os.environ["PGBIN"] + "/psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                    "-d", db, "-c", sql]), capture_output=True, text=True)


def installed():
    """{kind: set of names} of the extension installed in a database of its own."""
    psql("postgres", f"DROP DATABASE IF EXISTS {DB}")
    p = psql("postgres", f"CREATE DATABASE {DB}")
    if p.returncode != 0:
        sys.exit(f"# could not create database {DB}: {p.stderr}")
    try:
        p = psql(DB, "CREATE EXTENSION ordertrack")
        if p.returncode != 0:
            sys.exit(f"# CREATE EXTENSION ordertrack failed: {p.stderr}")
        names = {}
        for kind, _, sql in KINDS:
            # the settings exist once the library is loaded in the session
            p = psql(DB, f"LOAD 'ordertrack'; {sql}")
            if p.returncode != 0:
                sys.exit(f"# listing the {kind}s failed: {p.stderr}")
            names[kind] = {l for l in p.stdout.split("\n") if l and l != "LOAD"}
        return names
    finally:
        psql("postgres", f"DROP DATABASE IF EXISTS {DB}")


def reference_names(path):
    """{subsection: names} of the file's "## Reference" section: in code
    spans, each dotted name, and each without its "ordertrack." prefix."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Reference[ \t]*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        return None
    sections = {}
    for title, body in re.findall(r"^### (.+?)[ \t]*$(.*?)(?=^### |\Z)", m.group(1), re.M | re.S):
        if LEAVE_OUT:
            bare = re.escape(LEAVE_OUT.split(".")[-1])
            body = re.sub(r"`[^`\n]+`", lambda s: re.sub(r"(?<![\w.])(ordertrack\.)?" + bare + r"(?!\w)",
                                                        "(left out)", s.group(0)), body)
        names = sections.setdefault(title, set())
        for span in re.findall(r"`([^`\n]+)`", body):
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", span):
                names.add(name)
                if name.startswith("ordertrack."):
                    names.add(name[len("ordertrack."):])
    return sections


def main():
    found = installed()
    sections = reference_names(README)
    passed = failed = n = 0
    for kind, section, _ in KINDS:
        n += 1
        have = found[kind]
        named = (sections or {}).get(section)
        missing = sorted(have - named) if named is not None else sorted(have)
        what = f"every {kind} of the installed extension ({len(have)}) is named under {NAME}'s Reference, {section}"
        if have and not missing:
            passed += 1
            print(f"ok {n} - {what}")
        else:
            failed += 1
            print(f"not ok {n} - {what}")
            if sections is None:
                print(f"#   {NAME} has no \"## Reference\" section")
            elif named is None:
                print(f"#   its Reference has no \"### {section}\"")
            elif not have:
                print(f"#   the database lists no {kind}")
            else:
                print(f"#   missing: {', '.join(missing)}")
    print(f"1..{n}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
