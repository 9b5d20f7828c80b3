"""The reading process never runs the parent's ``__main__`` again (core.reader_worker): in a
Streamlit server ``__main__`` is the running page script, which must not run in the child."""
from __future__ import annotations

import sys
import types

from core.reader import read_roster_isolated


def test_a_reading_process_does_not_run_the_parents_main_script(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    # a page script that would leave a mark and fail if a child ran it again
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('a page ran in the reading process')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    from core.synthetic import synthetic_roster

    data = synthetic_roster(3, seed=1).to_csv(index=False).encode("utf-8")
    raw = read_roster_isolated(data, "名单.csv")
    assert len(raw.frame) == 3
    assert not marker.exists()
