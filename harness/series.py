#!/usr/bin/env python3
"""Write our work as a git format-patch series against the pristine base.

Usage: series.py PRISTINE_TREE REPO OUT_DIR

The series is described by harness/series/*.txt, one file per patch in
review order: "Subject:", "Files:" (repository paths the patch adds or
replaces), optional "Symbols:" (our Kconfig symbols it introduces),
"Base-patches:" (harness/base-patches it applies) and "Remove-upstream: yes"
(it removes upstream's IOMMU code but the IOVA library), then a blank line and the body.  The
cover letter is harness/series/cover-letter.txt.

drivers/iommu/Kconfig, Makefile, tests/Makefile and .kunitconfig are cut
down at each patch to what exists by then, so every patch builds.  Every
file of ours must be in some patch: the script fails otherwise.
"""

import os
import re
import shutil
import subprocess
import sys

OURS = ("drivers/iommu", "include", "Documentation")
DERIVED = ("drivers/iommu/Kconfig", "drivers/iommu/Makefile",
           "drivers/iommu/.kunitconfig", "drivers/iommu/tests/Makefile")
KEPT = "drivers/iommu/iova.c"
AUTHOR = "IOMMU group developers <devs@iommu-group.invalid>"
DATE = "Tue, 24 Nov 2026 00:00:00 +0000"


def run(*cmd, cwd=None, **kw):
    return subprocess.run(cmd, cwd=cwd, check=True, text=True, **kw)


def git(tree, *args, **kw):
    env = dict(os.environ, GIT_AUTHOR_NAME="IOMMU group developers",
               GIT_AUTHOR_EMAIL="devs@iommu-group.invalid",
               GIT_COMMITTER_NAME="IOMMU group developers",
               GIT_COMMITTER_EMAIL="devs@iommu-group.invalid",
               GIT_AUTHOR_DATE=DATE, GIT_COMMITTER_DATE=DATE)
    return run("git", "-C", tree, *args, env=env, **kw)


def base_repo(pristine, cache):
    """A git repository of the pristine base, made once and cached."""
    version = open(os.path.join(pristine, ".base-version")).read().strip()
    repo = os.path.join(cache, "base-git", version.split()[0])
    if not os.path.isdir(os.path.join(repo, ".git")):
        print(f"series: making a git repository of {version} (once)",
              file=sys.stderr)
        tmp = repo + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
        run("cp", "-al", pristine, tmp)
        for f in (".base-version", ".extracted"):
            os.unlink(os.path.join(tmp, f))
        git(tmp, "init", "-q")
        git(tmp, "add", "-A", "-f")
        git(tmp, "commit", "-q", "-m", f"Linux {version}")
        git(tmp, "tag", "base")
        os.rename(tmp, repo)
    return repo


def parse_spec(path):
    head, _, body = open(path).read().partition("\n\n")
    spec = {"Files": [], "Symbols": [], "Base-patches": []}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        if key in ("Files", "Symbols", "Base-patches"):
            spec[key] += value.split()
        else:
            spec[key] = value.strip()
    spec["body"] = body.strip() + "\n"
    return spec


def our_files(repo):
    out = run("git", "-C", repo, "ls-files", "--", *OURS,
              capture_output=True).stdout.split()
    return sorted(f for f in out if f not in DERIVED)


def kconfig_cut(text, symbols):
    """Drop the config entries of symbols not introduced yet.

    A choice goes with its first entry: its head waits until that entry
    decides, and its "endchoice" follows the head."""
    out, skip, head, in_choice = [], False, None, False
    for line in text.splitlines(keepends=True):
        m = re.match(r"(?:menu)?config\s+(\w+)", line)
        if m:
            skip = m.group(1) not in symbols
            if head is not None:
                in_choice = not skip
                if in_choice:
                    out += head
                head = None
        elif re.match(r"choice\b", line):
            head = []
        elif re.match(r"endchoice\b", line):
            if in_choice:
                out.append(line)
            skip, in_choice = not in_choice, False
            continue
        elif re.match(r"(if|endif|endmenu|menu|source)\b", line):
            skip = False
        if head is not None:
            head.append(line)
        elif not skip:
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def makefile_cut(text, present, where="drivers/iommu"):
    """Drop the objects (and subdirectories) not in the tree yet."""
    out = []
    for line in text.splitlines():
        m = re.match(r"(obj-\S+\s*\+=)\s*(.*)", line)
        if m:
            objs = [o for o in m.group(2).split()
                    if (o.endswith("/") and
                        any(f.startswith(f"{where}/{o}") for f in present))
                    or f"{where}/{o[:-2]}.c" in present]
            if not objs:
                continue
            line = f"{m.group(1)} {' '.join(objs)}"
        out.append(line)
    return "\n".join(out) + "\n"


def kunitconfig_cut(text, ours, symbols):
    out = []
    for line in text.splitlines():
        m = re.match(r"CONFIG_(\w+)=", line)
        if m and m.group(1) in ours and m.group(1) not in symbols:
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pristine, repo, out = (os.path.abspath(a) for a in sys.argv[1:])
    cache = os.environ.get("CACHE")
    if not cache:
        print("series.py: CACHE is not set; run it through series-check.sh",
              file=sys.stderr)
        return 2
    specdir = os.path.join(repo, "harness/series")
    specs = [parse_spec(os.path.join(specdir, f))
             for f in sorted(os.listdir(specdir))
             if re.match(r"\d+-.*\.txt$", f)]

    files = our_files(repo)
    placed = [f for s in specs for f in s["Files"]]
    missing = sorted(set(files) - set(placed))
    extra = sorted(set(placed) - set(files))
    if missing or extra:
        for f in missing:
            print(f"series: {f} is in no patch", file=sys.stderr)
        for f in extra:
            print(f"series: {f} is not a file of ours", file=sys.stderr)
        return 1

    kconfig = open(os.path.join(repo, DERIVED[0])).read()
    makefile = open(os.path.join(repo, DERIVED[1])).read()
    kunitcfg = open(os.path.join(repo, DERIVED[2])).read()
    testsmake = open(os.path.join(repo, DERIVED[3])).read()
    ours = set(re.findall(r"^(?:menu)?config\s+(\w+)", kconfig, re.M))

    base = base_repo(pristine, cache)
    work = os.path.join(out, "work")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run("git", "clone", "-q", "--shared", base, work)

    present, symbols = set(), set()
    for spec in specs:
        if spec.get("Remove-upstream") == "yes":
            git(work, "rm", "-q", "-r", "drivers/iommu",
                "include/linux/iommu.h")
            # The IOVA library stays: drivers outside IOMMU use it.
            git(work, "checkout", "-q", "base", "--", KEPT)
            present.add(KEPT)
        for f in spec["Files"]:
            dst = os.path.join(work, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(repo, f), dst)
            present.add(f)
        symbols.update(spec["Symbols"])
        derived = [(DERIVED[0], kconfig_cut(kconfig, symbols)),
                   (DERIVED[1], makefile_cut(makefile, present))]
        if any(s.endswith("_KUNIT_TEST") for s in symbols):
            derived.append((DERIVED[2],
                            kunitconfig_cut(kunitcfg, ours, symbols)))
        if any(f.startswith("drivers/iommu/tests/") for f in present):
            derived.append((DERIVED[3],
                            makefile_cut(testsmake, present,
                                         "drivers/iommu/tests")))
        for name, text in derived:
            with open(os.path.join(work, name), "w") as fh:
                fh.write(text)
        for p in spec["Base-patches"]:
            run("patch", "-p1", "-s", "-d", work,
                "-i", os.path.join(repo, "harness/base-patches", p))
        git(work, "add", "-A", "-f")
        msg = f"{spec['Subject']}\n\n{spec['body']}\nSigned-off-by: {AUTHOR}\n"
        git(work, "commit", "-q", "-F", "-", input=msg)

    git(work, "format-patch", "-q", "-B", "--cover-letter", "-o", out,
        "base..HEAD")
    cover = open(os.path.join(specdir, "cover-letter.txt")).read()
    subject, _, blurb = cover.partition("\n\n")
    path = os.path.join(out, "0000-cover-letter.patch")
    text = open(path).read()
    text = text.replace("*** SUBJECT HERE ***", subject.strip())
    text = text.replace("*** BLURB HERE ***", blurb.strip())
    open(path, "w").write(text)
    shutil.rmtree(work)
    for f in sorted(os.listdir(out)):
        print(os.path.join(out, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
