"""The load benchmark runs: five simulated workers for ten seconds against a real server, through
the whole self-check, with every figure printed (not a timing test: the figures are not judged)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_five_workers_for_ten_seconds():
    out = subprocess.run([sys.executable, "benchmarks/bench_load.py", "--users", "5", "--waves", "1",
                          "--duration", "10", "--ramp", "2", "--sessions", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    # one worker at a time went through the whole form and saw the result (else it raises)
    assert re.search(r"form click [\d.]+ ms, click with the result shown [\d.]+ ms", text), text
    wave = re.search(r"N=5 +wave 1: +(\d+) clicks, click median [\d,]+ ms, p90 [\d,]+ ms, max [\d,]+ ms \(all 5 present: [^)]*\); "
                     r"[\d.]+ reruns/s; server CPU [\d.]+ ms/rerun .*memory (\d+) -> peak (\d+) -> after close (\d+) MB; machine load [\d.]+, .*$",
                     text, flags=re.M)
    assert wave, text
    assert int(wave.group(1)) >= 5                        # each worker clicked at least once in 10 s
    assert int(wave.group(3)) >= int(wave.group(2)) > 50  # a real server's memory, sampled
    assert "error" not in text
