#!/usr/bin/env python3
"""Runs README.md's examples in order, as written, and checks what it shows.

Called by test/docs/run.sh, which starts the cluster (PGHOST, PGPORT) and
puts test/docs/shims first on PATH.  Prints TAP lines and ends with
"N passed, N failed".

The rules, which README.md's "Testing" section repeats:

- A ```sql block runs in database shop, in one psql session of the
  cluster's superuser, stopping at the first error.  A statement whose
  comment starts with "→" shows its result: "-- → 1" (compared exactly;
  psql's t and f are true and false) or "-- → e.g. 5495677995159617" (a
  value that differs each run: compared by shape, each digit a digit and
  each letter a letter).
- A ```sh block runs as root in the checkout, with bash -e, stdin closed,
  PGHOST and PGPORT naming the cluster (no PGUSER, PGDATABASE), and
  OT_DAY_ORDERS=2000: tools/run.sh's trading day is a smaller one here.
- A plain ``` block that starts with "ERROR:" is what the last statement of
  the ```sql block before it prints: that statement must fail with exactly
  these ERROR, DETAIL and HINT lines, and the ones before it succeed.
- Any other plain block needs a directive, an HTML comment on the line
  before its fence, as do blocks that cannot run here:
    <!-- docs: output -->        what the block before it prints (JSON
                                  lines: the same keys, and values of the
                                  same types; {...} stands for any object)
    <!-- docs: conf -->          postgresql.conf lines: each setting has
                                  that value in the cluster at this point
    <!-- docs: excerpt FILE -->  an excerpt of FILE, found there verbatim
                                  (but for spaces at the ends of lines)
    <!-- docs: excerpt-of-run -->  an excerpt of what the last ```sh block
                                  before it printed (standard output, cut
                                  at line feeds and carriage returns), for
                                  output whose figures differ each run:
                                  its lines match lines of that output, in
                                  order, a run of digits matching any
                                  digits, a run of spaces, "#" and bar
                                  blocks (▏ to █) any such run, and a rule
                                  of two or more "-" one of any length; a
                                  line "..." marks lines left out
    <!-- docs: timeout S -->     a command that runs until stopped: it is
                                  stopped after S seconds and must not have
                                  failed before
    <!-- docs: except CMD: WHY -->  the block's lines starting with CMD are
                                  not run (counted as skipped, with WHY)
    <!-- docs: skip WHY -->      not run (counted as skipped, with WHY)
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

README = sys.argv[1] if len(sys.argv) > 1 else "README.md"
NAME = os.path.basename(README)
DB = os.environ.get("OT_DOCS_DB", "shop")
DIRECTIVE = re.compile(r"^<!--\s*docs:\s*([\w-]+)\s*(.*?)\s*-->\s*$")
RESULT = re.compile(r"→\s*(e\.g\.\s+)?(\S+)")

n_tap = 0
passed = failed = 0
skipped = []
examples = 0
last_sh = None       # the last ```sh block that ran: where, whether it succeeded, its output


def tap(ok, what, detail=None):
    global n_tap, passed, failed
    n_tap += 1
    if ok:
        passed += 1
        print(f"ok {n_tap} - {what}")
    else:
        failed += 1
        print(f"not ok {n_tap} - {what}")
        for line in (detail or "").rstrip().splitlines()[-80:]:
            print(f"#   {line}")
    sys.stdout.flush()


def read_blocks(path):
    """The fenced blocks: dicts with line (of the fence), lang, text lines, directives."""
    blocks, directives, block = [], [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines, 1):
        if block is not None:
            if line.startswith("```"):
                blocks.append(block)
                block = None
            else:
                block["lines"].append(line)
            continue
        if line.startswith("```"):
            block = {"line": i, "lang": line[3:].strip(), "lines": [], "directives": directives}
            directives = []
            continue
        m = DIRECTIVE.match(line)
        if m:
            directives.append((m.group(1), m.group(2)))
        elif line.strip():
            directives = []
    return blocks


def code_and_comment(line, quote):
    """Splits a SQL line at a -- comment outside quotes; quote is the quote
    open at the line's start, and the one open at its end is returned."""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif line.startswith("--", i):
            return line[:i], line[i + 2:], None
    return line, "", quote


def statements(lines):
    """(first line index, text, comment of its last line) for each statement."""
    out, cur, start, quote = [], [], None, None
    for i, line in enumerate(lines):
        code, comment, quote = code_and_comment(line, quote)
        if not cur and not code.strip():
            continue
        if start is None:
            start = i
        cur.append(line)
        if not quote and code.rstrip().endswith(";"):
            out.append((start, "\n".join(cur), comment))
            cur, start = [], None
    if cur:
        out.append((start, "\n".join(cur), ""))
    return out


def as_owner(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.getuid() == 0 else cmd


def shape(s):
    return re.sub(r"[^\W\d_]", "a", re.sub(r"\d", "9", s))


def same_value(got, want, example):
    if want in ("true", "false") and got in ("t", "f"):
        got = "true" if got == "t" else "false"
    return shape(got) == shape(want) if example else got == want


def short(text):
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def run_sql(block, error_block):
    global examples
    where = f"{NAME}:{block['line']}"
    stmts = statements(block["lines"])
    examples += len(stmts)
    script = []
    for k, (_, text, _) in enumerate(stmts):
        script.append(f"\\echo @@docs {k}")
        script.append(text)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False, dir="/tmp") as f:
        f.write("\n".join(script) + "\n")
    os.chmod(f.name, 0o644)
    p = subprocess.run(as_owner([os.environ["PGBIN"] + "/psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                 "-d", DB, "-f", f.name]),
                       capture_output=True, text=True)
    os.unlink(f.name)
    outputs, reached = {}, -1
    for line in p.stdout.split("\n"):
        m = re.match(r"^@@docs (\d+)$", line)
        if m:
            reached = int(m.group(1))
            outputs[reached] = []
        elif reached >= 0:
            outputs[reached].append(line)
    errors = [re.sub(r"^psql:[^:]*:\d+: ", "", l) for l in p.stderr.split("\n")]
    errors = [l for l in errors if re.match(r"^(ERROR|DETAIL|HINT):", l)]
    last = len(stmts) - 1
    if error_block is None:
        tap(p.returncode == 0, f"{where}: {len(stmts)} statements run",
            f"stopped at: {stmts[reached][1] if reached >= 0 else '?'}\n{p.stderr}")
    else:
        want = [l for l in error_block["lines"] if l.strip()]
        ok = p.returncode != 0 and reached == last and errors == want
        tap(ok, f"{where}: `{short(stmts[last][1])}` fails as {NAME}:{error_block['line']} shows"
                + (f", after {last} statements" if last else ""),
            f"reached statement {reached} of {last}\ngot:\n" + "\n".join(errors) + f"\n{p.stderr}")
    for k, (start, text, comment) in enumerate(stmts):
        m = RESULT.search(comment)
        if not m:
            continue
        want = m.group(2).rstrip(":;,")
        got = "\n".join(outputs.get(k, [])).strip()
        kind = "e.g. " if m.group(1) else ""
        tap(k in outputs and same_value(got, want, bool(m.group(1))),
            f"{NAME}:{block['line'] + 1 + start}: `{short(text)}` → {kind}{want}",
            f"got: {got!r}")


def commands(lines):
    out, cur = [], ""
    for line in lines:
        cur += line
        if cur.endswith("\\"):
            cur = cur[:-1] + " "
            continue
        if cur.strip() and not cur.strip().startswith("#"):
            out.append(cur)
        cur = ""
    return out


def json_shape(v):
    if isinstance(v, dict):
        return {k: json_shape(x) for k, x in v.items()}
    return type(v).__name__


def same_output(got_lines, want_lines):
    """Line by line: JSON lines by keys and value types, other lines exactly."""
    got_lines = [l for l in got_lines if l.strip()]
    want_lines = [l for l in want_lines if l.strip()]
    if len(got_lines) < len(want_lines):
        return False
    for got, want in zip(got_lines, want_lines):
        if want.lstrip().startswith("{"):
            try:
                w = json.loads(want.replace("{...}", "{}"))
                g = json.loads(got)
            except ValueError:
                return False
            gs, ws = json_shape(g), json_shape(w)
            if list(gs) != list(ws) or any(ws[k] != gs[k] and ws[k] != {} for k in ws):
                return False
        elif got != want:
            return False
    return True


def run_sh(block, output_block):
    global examples, last_sh
    where = f"{NAME}:{block['line']}"
    lines = block["lines"]
    for name, arg in block["directives"]:
        if name == "except":
            prefix, _, why = arg.partition(":")
            kept = [l for l in lines if not l.startswith(prefix.strip())]
            for l in lines:
                if l.startswith(prefix.strip()):
                    skipped.append(f"{where}: `{l.split('#')[0].strip()}`: {why.strip()}")
            lines = kept
    cmds = commands(lines)
    examples += len(cmds)
    timeout = next((int(a) for n, a in block["directives"] if n == "timeout"), None)
    env = dict(os.environ)
    for v in ("PGUSER", "PGDATABASE", "OT_CLUSTER_DIR", "OT_CLUSTER_OPTS"):
        env.pop(v, None)
    env["OT_PORT"] = os.environ["OT_DOCS_SPARE_PORT"]   # for tools/run.sh's own cluster
    env.setdefault("OT_DAY_ORDERS", "2000")             # tools/run.sh's trading day, smaller
    p = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout if timeout else 1800)
        ok = p.returncode == 0
        status = f"exit {p.returncode}"
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGTERM)
        out, err = p.communicate()
        ok = timeout is not None
        status = f"still running after {timeout} s, stopped" if timeout else "timed out"
    text = out + "\n" + err
    if len(text) > 6000:
        text = text[:2500] + "\n[...]\n" + text[-3500:]
    tap(ok, f"{where}: {len(cmds)} commands ({status})", text)
    last_sh = {"where": where, "ok": ok, "out": out}
    if output_block is not None:
        want = output_block["lines"]
        tap(ok and same_output(out.split("\n"), want),
            f"{NAME}:{output_block['line']}: what `{short(cmds[-1])}` prints", f"got:\n{out[-2000:]}")


def check_conf(block):
    global examples
    for line in block["lines"]:
        setting = line.split("#")[0].strip()
        if not setting:
            continue
        examples += 1
        name, _, value = setting.partition("=")
        name, value = name.strip(), value.strip().strip("'")
        p = subprocess.run(as_owner([os.environ["PGBIN"] + "/psql", "-X", "-At", "-d", DB,
                                     "-c", f"SHOW {name}"]), capture_output=True, text=True)
        got = p.stdout.strip()
        tap(p.returncode == 0 and got == value,
            f"{NAME}:{block['line']}: {name} = {value} in the cluster", f"got: {got!r} {p.stderr}")


def check_excerpt(block, path):
    global examples
    examples += 1
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        text = ""
        detail = str(e)
    else:
        detail = "not found verbatim"
    text = "\n".join(l.rstrip() for l in text.split("\n"))
    want = "\n".join(l.rstrip() for l in block["lines"]) + "\n"
    tap(want in text, f"{NAME}:{block['line']}: an excerpt of {path}", detail)


BAR = " #\u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588"   # spaces, "#", and ▏▎▍▌▋▊▉█


def line_pattern(line):
    """A line of an excerpt-of-run as a pattern: a run of digits stands for
    any digits, a run of spaces, "#" and bar characters for any such run,
    and a rule of two or more "-" for a rule of any length."""
    out = []
    for run in re.findall(r"\d+|[" + BAR + r"]+|-{2,}|[^\d" + BAR + r"-]+|-", line):
        if run[0].isdigit():
            out.append(r"\d+")
        elif run[0] in BAR:
            out.append("[" + BAR + "]+")
        elif run.startswith("--"):
            out.append("-+")
        else:
            out.append(re.escape(run))
    return re.compile("".join(out))


def check_excerpt_of_run(block):
    """Each line of the block matches a line of the last ```sh block's
    output, in order ("..." lines aside)."""
    global examples
    examples += 1
    where = f"{NAME}:{block['line']}"
    if last_sh is None:
        tap(False, f"{where}: an excerpt of what a ```sh block printed", "no ```sh block ran before it")
        return
    got = [seg.rstrip() for line in last_sh["out"].split("\n") for seg in line.split("\r")]
    at, missing = 0, None
    for line in block["lines"]:
        line = line.rstrip()
        if not line.strip() or line.strip() == "...":
            continue
        pat = line_pattern(line)
        while at < len(got) and not pat.fullmatch(got[at]):
            at += 1
        if at == len(got):
            missing = line
            break
        at += 1
    tap(last_sh["ok"] and missing is None,
        f"{where}: an excerpt of what {last_sh['where']} printed, figures aside",
        ("the output, its last 60 lines:\n" + "\n".join(got[-60:]) + "\n" if missing is not None else "")
        + ("the block failed\n" if not last_sh["ok"] else "")
        + (f"no line of the output matches, in order: {missing!r}" if missing is not None else ""))


def main():
    blocks = read_blocks(README)
    i = 0
    while i < len(blocks):
        b = blocks[i]
        d = dict(b["directives"])
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        follows = None
        if nxt is not None and nxt["lang"] == "" and (
                (nxt["lines"] and nxt["lines"][0].startswith("ERROR:") and b["lang"] == "sql")
                or "output" in dict(nxt["directives"])):
            follows = nxt
        if "skip" in d:
            skipped.append(f"{NAME}:{b['line']}: {d['skip']}")
            i += 2 if follows is not None else 1
            continue
        if b["lang"] == "sql":
            run_sql(b, follows if follows is not None and follows["lines"][0].startswith("ERROR:") else None)
        elif b["lang"] == "sh":
            run_sh(b, follows)
        elif "conf" in d:
            check_conf(b)
        elif "excerpt" in d:
            check_excerpt(b, d["excerpt"])
        elif "excerpt-of-run" in d:
            check_excerpt_of_run(b)
        else:
            tap(False, f"{NAME}:{b['line']}: a plain block with no docs directive",
                "\n".join(b["lines"][:3]))
        i += 2 if follows is not None else 1
    for s in skipped:
        print(f"# skipped {s}")
    print(f"# {NAME}: {len(blocks)} blocks, {examples} examples (statements, commands, settings, "
          f"excerpts) run or checked, {len(skipped)} skipped")
    print(f"1..{n_tap}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
