"""Load the rule cases of tests/cases/rules.yaml and turn each into a Person and a roster row."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import yaml

from core import reference
from core.idnumber import check_character
from core.normalize import parse_province

CASES = Path(__file__).parent / "cases" / "rules.yaml"


def load():
    doc = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return doc["defaults"], doc["as_of"], doc["cases"]


def make_id(region: str, seq: int = 123, birth: str = "19900101") -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


def region_for(province: str) -> str:
    code = parse_province(pd.Series([province], dtype=object)).values.iloc[0]
    return "510104" if code == "51" else f"{code}0102"


def person_fields(defaults: dict, case: dict, seq: int = 123) -> dict:
    fields = {**defaults, **case["person"]}
    region = fields.pop("id_region", None) or region_for(fields["home_province"])
    fields["id_number"] = make_id(region, seq)
    return fields


def roster_row(fields: dict, cells: dict | None = None) -> dict:
    """The same person as an officer would type it in the roster (Chinese headers); ``cells``
    (header -> text) replace what the officer typed in those columns."""
    header = {c.field: c.header for c in reference.columns()}

    def text(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v)

    row = {h: "" for h in header.values()}
    row[header["name"]] = "测试"
    for f, v in fields.items():
        if (f == "certificate_level" and v == "无") or f not in header:
            continue
        row[header[f]] = text(v)
    row.update(cells or {})
    return row


def roster_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")
