"""Summarise a py-spy raw (collapsed) profile: where the samples' time goes, by our functions.

Run: .venv/bin/python -m bench.profile_summary PROFILE.txt [N]
(record one with: .venv/bin/py-spy record -p PID -f raw -o PROFILE.txt -r 200 -d 15)
"""

import sys
from collections import Counter


def summarise(path: str, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    total = 0
    with open(path, encoding="utf-8") as lines_in:
        lines_read = lines_in.read().splitlines()
    for line in lines_read:
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        # Frames look like "function (path/file.py:line)"; count each frame once per stack.
        seen = set()
        for frame in stack.split(";"):
            name = (
                frame.split(" (")[0] + " " + frame.split("(")[-1].split(":")[0].rsplit("/", 1)[-1]
            )
            if name not in seen:
                seen.add(name)
                inclusive[name] += n
    lines = [f"{total} samples; inclusive share of the frames seen most:"]
    for name, n in inclusive.most_common(top):
        lines.append(f"{n / total * 100:5.1f}%  {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
