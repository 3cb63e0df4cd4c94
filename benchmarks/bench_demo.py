"""How long the main job takes: ``audit-eval demo`` (full report and yearly summary, every
format) on the synthetic demo study, run three times; the median goes into the docs page
about the demo (docs/how-to/report.md, between the ``bench-demo`` markers).

Run on a quiet machine: ``.venv/bin/python benchmarks/bench_demo.py``.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "how-to" / "report.md"
RUNS = 3


def main() -> int:
    exe = Path(sys.executable).with_name("audit-eval")
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            subprocess.run(
                [str(exe), "demo", "--out", str(Path(tmp) / "demo"), "--seed", "1"],
                capture_output=True,
                check=True,
                cwd=ROOT,
            )
            times.append(time.perf_counter() - t)
    median = statistics.median(times)
    line = (
        f"`audit-eval demo` (report and yearly summary, HTML, PDF and Markdown): median "
        f"{median:.1f} s of {RUNS} runs ({', '.join(f'{x:.1f}' for x in times)} s) on "
        f"{os.cpu_count()} cores, Python {platform.python_version()} "
        "(written by `benchmarks/bench_demo.py`)."
    )
    text = PAGE.read_text(encoding="utf-8")
    new = re.sub(
        r"(<!-- bench-demo -->\n).*?(\n<!-- /bench-demo -->)",
        lambda m: m.group(1) + line + m.group(2),
        text,
        flags=re.S,
    )
    PAGE.write_text(new, encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
