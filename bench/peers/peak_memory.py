#!/usr/bin/env python3
"""Peak memory of a whole command: the process and every process it starts, sampled while it runs.

Usage: bench/peers/peak_memory.py [--interval SECONDS] -- COMMAND [ARGS...]

Prints one JSON line: wall seconds, the exit code, and three peaks in MiB:
  tree_pss  the largest sum over the process tree of PSS (proportional set size: a page shared by n processes
            counts 1/n in each, so pages a forked worker shares with its parent are counted once); this is what
            the machine must hold for the whole recipe;
  tree_rss  the largest sum of RSS (shared pages counted once per process: an upper bound);
  max_rss   the largest RSS of one process (what GNU time's %M reports for a command that waits for its workers).
A multi-process recipe (the seed code's, with its worker pool) and a one-process one (wsss) are compared on
tree_pss; max_rss is the figure earlier rounds reported. Linux only (/proc/PID/smaps_rollup, kernel >= 4.14).
The sampling is every --interval seconds (default 0.02), so a peak shorter than that may be missed.
"""
import json
import os
import subprocess
import sys
import time


def children_of():
    """Parent pid -> child pids, for every process visible in /proc."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces; the parent pid is the second field after it.
        fields = stat[stat.rindex(b")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def tree(root):
    kids = children_of()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def memory_kib(pid):
    """(PSS, RSS) of one process in KiB, or None when it is gone."""
    pss = rss = None
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        return None
    return (pss, rss) if pss is not None and rss is not None else None


def main(argv):
    interval = 0.02
    if argv[:1] == ["--interval"]:
        interval = float(argv[1])
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    tree_pss = tree_rss = max_rss = 0
    while proc.poll() is None:
        pss_sum = rss_sum = 0
        for pid in tree(proc.pid):
            m = memory_kib(pid)
            if m is None:
                continue
            pss_sum += m[0]
            rss_sum += m[1]
            max_rss = max(max_rss, m[1])
        tree_pss, tree_rss = max(tree_pss, pss_sum), max(tree_rss, rss_sum)
        time.sleep(interval)
    wall = time.perf_counter() - start
    print(json.dumps({"command": " ".join(argv), "exit": proc.returncode, "wall_s": round(wall, 2),
                      "tree_pss_mib": round(tree_pss / 1024, 1), "tree_rss_mib": round(tree_rss / 1024, 1),
                      "max_rss_mib": round(max_rss / 1024, 1)}))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
