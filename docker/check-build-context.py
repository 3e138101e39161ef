#!/usr/bin/env python3
"""Compiles what docker/Dockerfile compiles, from exactly the files the build context holds, without
a Docker engine (run by .ci/run; `python3 docker/check-build-context.py` by hand).

1. The build context: every file under the repository root that .dockerignore lets through, with
   Docker's rules (Go filepath.Match patterns plus `**`, `!` re-includes, the last matching line wins,
   a file is excluded when it or one of its parent folders matches).
2. The build stage's `COPY` instructions place those files in a scratch /app as the Dockerfile does.
3. The build stage's `RUN npm run build` runs there (node_modules: the repository's, installed by
   `npm ci` from the same lockfile as the image's).
4. The compiled output holds no test or fixture, holds the CMD's entry, and that entry starts: with
   no configuration it must stop with the gateway's "Invalid configuration" message (so every module
   it imports was compiled and resolves).

Exit code 0 when all holds; otherwise the problems are printed and the exit code is 1.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


# ------------------------------------------------------------------ .dockerignore (moby/patternmatcher)
def read_patterns(text: str) -> list[tuple[bool, re.Pattern[str], str]]:
    patterns = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:].strip()
        if not pattern:
            continue
        pattern = os.path.normpath(pattern).replace(os.sep, "/")
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        patterns.append((exclusion, re.compile(to_regex(pattern)), pattern))
    return patterns


def to_regex(pattern: str) -> str:
    out, i = "^", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1:i + 2] == "*":
                i += 1
                if pattern[i + 1:i + 2] == "/":
                    i += 1
                out += ".*" if i + 1 >= len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out += re.escape(ch)
            else:
                body = pattern[i + 1:end]
                out += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
                i = end
        else:
            out += re.escape(ch)
        i += 1
    return out + "$"


def excluded(path: str, patterns) -> bool:
    """Docker's MatchesOrParentMatches: the last pattern matching the path or one of its parents wins."""
    parents = path.split("/")[:-1]
    matched = False
    for exclusion, regex, _ in patterns:
        if exclusion != matched:
            continue
        hit = bool(regex.match(path)) or any(regex.match("/".join(parents[:n])) for n in range(1, len(parents) + 1))
        if hit:
            matched = not exclusion
    return matched


def context_files(patterns) -> list[str]:
    reinclusions = [p for exclusion, _, p in patterns if exclusion]
    files = []
    for folder, dirs, names in os.walk(ROOT):
        rel = Path(folder).relative_to(ROOT).as_posix()
        rel = "" if rel == "." else rel + "/"
        keep = []
        for d in sorted(dirs):
            # Skip an excluded folder only when no `!` pattern could re-include something inside it.
            if excluded(rel + d, patterns) and not any(could_reinclude(rel + d, p) for p in reinclusions):
                continue
            keep.append(d)
        dirs[:] = keep
        files += [rel + n for n in sorted(names) if not excluded(rel + n, patterns)]
    return files


def could_reinclude(folder: str, pattern: str) -> bool:
    if "**" in pattern:
        return True
    parts, folder_parts = pattern.split("/"), folder.split("/")
    if len(parts) <= len(folder_parts):
        return False
    return all(re.match(to_regex(p), f) for p, f in zip(parts, folder_parts))


# ------------------------------------------------------------------ Dockerfile
def instructions(text: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", text)
    return [l.strip() for l in joined.splitlines() if l.strip() and not l.strip().startswith("#")]


def main() -> int:
    problems: list[str] = []
    patterns = read_patterns(DOCKERIGNORE.read_text())
    context = context_files(patterns)
    print(f"build context after .dockerignore: {len(context)} files")
    secrets = [f for f in context if re.search(r"(^|/)\.env$|\.db(-wal|-shm)?$", f)]
    if secrets:
        problems.append("local secrets or data in the build context: " + ", ".join(secrets))
    if any(f.startswith("node_modules/") for f in context):
        problems.append("node_modules is in the build context")

    steps = instructions(DOCKERFILE.read_text())
    froms = [i for i, s in enumerate(steps) if s.upper().startswith("FROM ")]
    build_stage = steps[froms[0]:froms[1]] if len(froms) > 1 else steps[froms[0]:]
    runtime = steps[froms[-1]:]
    work = Path(tempfile.mkdtemp(prefix="wa-build-context-"))
    try:
        app = work / "app"
        app.mkdir()
        copies = 0
        for step in build_stage:
            if not step.upper().startswith("COPY ") or "--from=" in step:
                continue
            words = [w for w in step.split()[1:] if not w.startswith("--")]
            sources, dest = words[:-1], words[-1]
            for source in sources:
                source = source.rstrip("/")
                chosen = [f for f in context if f == source or f.startswith(source + "/")]
                if not chosen:
                    problems.append(f"{step}: {source} is not in the build context")
                for f in chosen:
                    # A folder's content goes under dest; a file goes into dest when dest is a folder
                    # (ends with / or several sources), else it becomes dest.
                    destination = app / os.path.normpath(dest)
                    if f != source:
                        target = destination / f[len(source) + 1:]
                    elif dest.endswith("/") or len(sources) > 1:
                        target = destination / Path(f).name
                    else:
                        target = destination
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / f, target)
                    copies += 1
        print(f"the build stage's COPY instructions place {copies} files in /app")
        runs = [s for s in build_stage if s.upper().startswith("RUN ") and "npm run build" in s]
        if not runs:
            problems.append("the build stage has no RUN npm run build")
        if not (ROOT / "node_modules").is_dir():
            problems.append("node_modules missing: run npm ci first")
        if problems:
            return report(problems)
        # The image runs npm ci from the same lockfile; the repository's node_modules stands in for it.
        (app / "node_modules").symlink_to(ROOT / "node_modules")
        build = subprocess.run(["npm", "run", "build"], cwd=app, capture_output=True, text=True)
        print(f"npm run build in the copied context: exit {build.returncode}")
        if build.returncode != 0:
            problems.append("npm run build fails on the build context:\n" + (build.stdout + build.stderr).strip()[-4000:])
            return report(problems)
        emitted = [p.relative_to(app).as_posix() for p in (app / "dist").rglob("*.js")]
        leaked = [f for f in emitted if re.search(r"\.(test|fixture)\.js$", f) or f.startswith("dist/test/")]
        if leaked:
            problems.append("tests compiled into the image's dist/: " + ", ".join(sorted(leaked)[:10]))
        cmd = [s for s in runtime if s.upper().startswith("CMD ")]
        entry = json.loads(cmd[-1][4:])[-1] if cmd else None
        if not entry or not (app / entry).is_file():
            problems.append(f"the CMD's entry {entry} was not compiled")
        else:
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work)}
            start = subprocess.run(["node", entry], cwd=app, env=env, capture_output=True, text=True, timeout=60)
            out = start.stdout + start.stderr
            if start.returncode != 1 or "Invalid configuration" not in out:
                problems.append(f"node {entry} without configuration should stop with 'Invalid configuration' (exit 1), got exit {start.returncode}:\n{out.strip()[-2000:]}")
            else:
                print(f"node {entry} starts and stops on the missing configuration, as it should")
        print(f"dist/: {len(emitted)} .js files, none of them a test")
        return report(problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(problems: list[str]) -> int:
    for p in problems:
        print("docker build context: " + p)
    print(f"docker build context: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
