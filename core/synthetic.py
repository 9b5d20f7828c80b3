"""A synthetic roster, as officers type it: for benchmarks, the demo dataset and tests.

Every value is text in one of the forms officers really use (四川省 or 四川, 2018-03-01 or
2018年3月1日 ...). ID numbers are valid GB 11643 numbers, unique, with the region code of the
declared household province; Sichuan numbers often come from the counties Zhejiang helps,
including the old code of 马尔康县. With ``error_rate`` > 0, that share of rows carries one
realistic mistake. Generation is vectorized: a million rows take a few seconds.

The names of people, employers and organisers are made up.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from core import reference
from core.idnumber import WEIGHTS, CHECK_CHARS

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文春梅海燕林金凤云飞")
_TRADES = ["纺织", "印染", "机械", "轴承", "电子", "建材", "食品", "服饰", "化纤", "袜业", "五金", "物流", "建筑", "酒业", "家纺"]
_COMPANY_FORMS = ["有限公司", "股份有限公司", "制造有限公司", "科技有限公司"]
_ORGANIZER_FORMS = ["人力资源有限公司", "劳务合作社", "人力资源服务有限公司", "劳务派遣有限公司"]
_ORGANIZER_PLACES = ["绍兴", "越城", "柯桥", "上虞", "诸暨", "嵊州", "新昌", "阿坝", "金川", "小金", "马边", "马尔康", "恩施", "延边", "黔东南"]

# Some real county-level region codes with their names, used beside the helped Sichuan counties
# (none of them helped: data/reference/sichuan_helped_counties.csv).
_COUNTIES = {
    "51": [("513301", "康定市"), ("513322", "泸定县"), ("513325", "雅江县"), ("511323", "蓬安县"),
           ("511621", "岳池县"), ("510821", "旺苍县"), ("513428", "普格县")],
    "52": [("522601", "凯里市"), ("522622", "黄平县"), ("522301", "兴义市")],
    "42": [("422801", "恩施市"), ("422822", "建始县")],
    "22": [("222401", "延吉市"), ("222426", "安图县")],
}
# other provinces: codes of the capital prefecture's districts and counties
_OTHER_SUFFIXES = ["0102", "0103", "0104", "0111", "0121", "0122"]

_DATE_FORMATS = ("{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}{m:02d}{d:02d}", "{y}.{m}.{d}")
_DATE_WEIGHTS = (0.5, 0.25, 0.13, 0.07, 0.05)

_ERROR_KINDS = ("bad_check", "blank_required", "impossible_date", "unknown_district", "duplicate_id",
                "fifteen_digits", "scientific")


def _headers() -> list[str]:
    return [c.header for c in reference.columns()]


def _pick(rng: np.random.Generator, pool, n: int, p=None) -> np.ndarray:
    pool = np.asarray(pool, dtype=object)
    return pool[rng.choice(len(pool), size=n, p=p)]


def _format_dates(days: np.ndarray, fmt: np.ndarray) -> np.ndarray:
    """Text dates: each distinct (day, format) pair is formatted once."""
    key = days.astype(np.int64) * len(_DATE_FORMATS) + fmt
    codes, uniques = pd.factorize(key)
    out = []
    for k in uniques:
        day = (np.datetime64(int(k) // len(_DATE_FORMATS), "D")).item()
        out.append(_DATE_FORMATS[int(k) % len(_DATE_FORMATS)].format(y=day.year, m=day.month, d=day.day))
    return np.asarray(out, dtype=object)[codes]


def _digit_matrix(first17: np.ndarray) -> np.ndarray:
    """The 17 digits of each integer, most significant first, as an (n, 17) int matrix."""
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    return (first17[:, None] // powers) % 10


def _id_strings(first17: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """18-character ID numbers (object array) and their check characters' positions (0..10)."""
    d = _digit_matrix(first17)
    check_pos = (d @ WEIGHTS) % 11
    m = np.empty((len(first17), 18), dtype=np.uint8)
    m[:, :17] = d + ord("0")
    m[:, 17] = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[check_pos]
    return _ascii_rows(m), check_pos


def _ascii_rows(m: np.ndarray) -> np.ndarray:
    n, width = m.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    arr = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(m.tobytes())])
    return arr.to_numpy(zero_copy_only=False)


def _numbers(values: np.ndarray) -> np.ndarray:
    """Small whole numbers >= 0 as text."""
    pool = np.array([str(i) for i in range(int(values.max(initial=0)) + 1)], dtype=object)
    return pool[values]


def _month_index(day: np.ndarray) -> np.ndarray:
    return day.astype("datetime64[M]").astype(np.int64)


def synthetic_roster(n: int, seed: int = 0, year: int | None = None, error_rate: float = 0.0) -> pd.DataFrame:
    """``n`` roster rows with the Chinese headers of data/columns.yaml, all values as text."""
    rng = np.random.default_rng(seed)
    pol = reference.policy()
    provinces = reference.provinces()
    start, end = np.datetime64(pol.start, "D"), np.datetime64(pol.end, "D")
    deadline = np.datetime64(pol["claim_deadline"], "M")

    # --- household province: mostly the four paired provinces, some other 中西部, a few others
    paired = [c for c in pol["paired_provinces"]]
    paired_w = np.array([0.55 if c == "51" else 0.15 for c in paired])
    other = provinces.loc[provinces["group"] == "other_central_western", "code"].tolist()
    not_counted = ["33", "32"]
    codes_pool = paired + other + not_counted
    weights = np.concatenate([
        0.70 * paired_w / paired_w.sum(),
        np.full(len(other), 0.26 / len(other)),
        np.full(len(not_counted), 0.04 / len(not_counted)),
    ])
    prov_idx = rng.choice(len(codes_pool), size=n, p=weights)
    names = provinces.set_index("code")
    full = names.loc[codes_pool, "name"].to_numpy(dtype=object)
    short = names.loc[codes_pool, "short"].to_numpy(dtype=object)
    home_province = np.where(rng.random(n) < 0.7, full[prov_idx], short[prov_idx])

    # --- region code and county: helped Sichuan counties (and 513229), listed counties, others
    helped = reference.sichuan_helped_counties()
    # (region code, county as written, short form, prefecture); old codes with the old name
    helped_entries: list[tuple[str, str, str, str]] = []
    for row in helped.itertuples(index=False):
        aliases = reference.split_aliases(row.aliases)
        helped_entries.append((row.code, row.name, aliases[-1] if aliases else row.name, row.prefecture))
        for old in reference.split_aliases(row.old_codes):
            helped_entries.append((old, aliases[0] if aliases else row.name, row.name, row.prefecture))
    region = np.empty(n, dtype=np.int64)
    county = np.full(n, None, dtype=object)
    for p_i, code in enumerate(codes_pool):
        rows = np.flatnonzero(prov_idx == p_i)
        if not len(rows):
            continue
        if code == "51":
            is_helped = rng.random(len(rows)) < 0.6
            h_rows, o_rows = rows[is_helped], rows[~is_helped]
            k = rng.integers(0, len(helped_entries), len(h_rows))
            region[h_rows] = np.array([int(e[0]) for e in helped_entries])[k]
            written = np.array([e[1] for e in helped_entries], dtype=object)[k]
            alias = np.array([e[2] for e in helped_entries], dtype=object)[k]
            pref = np.array([e[3] for e in helped_entries], dtype=object)[k]
            form = rng.random(len(h_rows))
            county[h_rows] = np.where(form < 0.6, written, np.where(form < 0.75, alias, np.where(form < 0.85, pref + written, None)))
            rows = o_rows
        listed = _COUNTIES.get(code)
        if listed:
            k = rng.integers(0, len(listed), len(rows))
            region[rows] = np.array([int(c) for c, _ in listed])[k]
            county[rows] = np.where(rng.random(len(rows)) < 0.8, np.array([nm for _, nm in listed], dtype=object)[k], None)
        else:
            k = rng.integers(0, len(_OTHER_SUFFIXES), len(rows))
            region[rows] = np.array([int(code + s) for s in _OTHER_SUFFIXES])[k]

    # --- first employment in Shaoxing
    if year is not None:
        lo, hi = np.datetime64(f"{year:04d}-01-01", "D"), np.datetime64(f"{year + 1:04d}-01-01", "D")
        first = lo + rng.integers(0, int((hi - lo).astype(int)), n)
    else:
        before = (start.astype("datetime64[M]") - 7).astype("datetime64[D]")
        after = ((end.astype("datetime64[M]") + 7).astype("datetime64[D]"))
        inside = rng.random(n) < 0.85
        span_in = int((end - start).astype(int)) + 1
        first = np.where(
            inside,
            start + rng.integers(0, span_in, n),
            before + rng.integers(0, int((after - before).astype(int)), n),
        ).astype("datetime64[D]")
    first_text = _format_dates(first.astype(np.int64), rng.choice(len(_DATE_FORMATS), n, p=_DATE_WEIGHTS))
    elapsed = np.clip(deadline.astype(np.int64) - _month_index(first) + 1, 0, None)

    # --- ID numbers: born 16..52 years before first employment, unique
    birth = first - rng.integers(16 * 366, 52 * 365, n)
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    ymd = years * 10_000 + months * 100 + days
    first17 = region * 10**11 + ymd * 1000 + rng.integers(0, 1000, n)
    for _ in range(50):
        order = np.argsort(first17, kind="stable")
        dup = np.zeros(n, dtype=bool)
        dup[order[1:][first17[order[1:]] == first17[order[:-1]]]] = True
        if not dup.any():
            break
        first17[dup] = first17[dup] // 1000 * 1000 + rng.integers(0, 1000, int(dup.sum()))
    ids, check_pos = _id_strings(first17)

    # --- the rest of the row
    name_pool = np.array(
        [_SURNAMES[rng.integers(len(_SURNAMES))] + "".join(rng.choice(_GIVEN, rng.integers(1, 3))) for _ in range(4000)],
        dtype=object,
    )
    name = _pick(rng, name_pool, n)
    poor = _pick(rng, ["是", "否", "Y", "是 "], n, p=[0.88, 0.08, 0.02, 0.02])
    district_names = reference.districts()["name"].tolist()
    d_idx = rng.integers(0, len(district_names), n)
    d_form = rng.choice(3, n, p=[0.88, 0.08, 0.04])
    d_full = np.asarray(district_names, dtype=object)
    d_text = np.stack([d_full, "绍兴市" + d_full, np.array([x[:-1] for x in district_names], dtype=object)])
    district = d_text[d_form, d_idx]
    company_pool = np.array(
        [f"绍兴{p}{t}{f}" for p in ("越城", "柯桥", "上虞", "诸暨", "嵊州", "新昌", "华", "永", "恒", "金")
         for t in _TRADES for f in _COMPANY_FORMS],
        dtype=object,
    )
    employer = np.where(rng.random(n) < 0.92, _pick(rng, company_pool, n), None)
    si = np.minimum(rng.integers(0, 41, n), elapsed)
    cont = np.minimum(np.maximum(si - rng.integers(0, 4, n), 0) if n else si, elapsed)
    levels = reference.skill_levels()
    level_text = np.array(levels["level"].tolist() + levels["grade"].tolist()[:3], dtype=object)
    has_cert = rng.random(n) < 0.2
    lvl = rng.choice(len(level_text), n, p=[0.5, 0.2, 0.08, 0.03, 0.01, 0.1, 0.05, 0.03])
    cert_level = np.where(has_cert, level_text[lvl], None)
    cert_day = np.minimum(first + rng.integers(30, 540, n), end + 180)
    cert_date = np.where(has_cert, _format_dates(cert_day.astype(np.int64), rng.choice(len(_DATE_FORMATS), n, p=_DATE_WEIGHTS)), None)
    cost_pool = np.array(["600", "800", "900", "1000", "1200", "1,500", "960元", "1000元", "２０００"], dtype=object)
    cost = np.where(has_cert & (rng.random(n) < 0.7), _pick(rng, cost_pool, n), None)
    rent_n = np.minimum(rng.integers(0, 41, n), elapsed)
    rent = np.where(rng.random(n) < 0.6, _numbers(rent_n), None)
    organizer_pool = np.array([p + f for p in _ORGANIZER_PLACES for f in _ORGANIZER_FORMS], dtype=object)
    organizer = np.where(rng.random(n) < 0.3, _pick(rng, organizer_pool, n), None)

    cols = {
        "name": name, "id_number": ids, "home_province": home_province, "home_county": county,
        "registered_poor": poor, "first_employment_date": first_text, "work_district": district,
        "employer": employer, "social_insurance_months": _numbers(si),
        "continuous_months": _numbers(cont), "certificate_level": cert_level,
        "certificate_date": cert_date, "training_cost": cost, "self_rented_months": rent,
        "organizer": organizer,
    }

    if error_rate > 0 and n:
        _sprinkle_errors(rng, cols, error_rate, first17, check_pos)

    out = pd.DataFrame(
        {c.header: pd.array(cols[c.field], dtype="string") for c in reference.columns()}
    )
    return out


def _sprinkle_errors(rng, cols: dict, error_rate: float, first17: np.ndarray, check_pos: np.ndarray) -> None:
    n = len(first17)
    rows = np.flatnonzero(rng.random(n) < error_rate)
    kind = rng.integers(0, len(_ERROR_KINDS), len(rows))
    ids = cols["id_number"]
    for k, name in enumerate(_ERROR_KINDS):
        r = rows[kind == k]
        if not len(r):
            continue
        if name == "bad_check":
            wrong = (check_pos[r] + rng.integers(1, 11, len(r))) % 11
            ids[r] = np.char.add(first17[r].astype("U17"), np.array(list(CHECK_CHARS))[wrong]).astype(object)
        elif name == "blank_required":
            required = [c.field for c in reference.columns() if c.required]
            which = rng.integers(0, len(required), len(r))
            for j, field in enumerate(required):
                cols[field][r[which == j]] = None
        elif name == "impossible_date":
            cols["first_employment_date"][r] = rng.choice(np.array(["2018/2/30", "2019-02-29", "2018年4月31日"], dtype=object), len(r))
        elif name == "unknown_district":
            cols["work_district"][r] = rng.choice(np.array(["杭州市", "绍兴市", "滨海新区", "萧山区"], dtype=object), len(r))
        elif name == "duplicate_id":
            ids[r] = ids[rng.integers(0, n, len(r))]
        elif name == "fifteen_digits":   # the old form: no century, no check character
            ids[r] = ((first17[r] // 10**11) * 10**9 + first17[r] % 10**9).astype(str).astype(object)
        elif name == "scientific":       # what Excel shows for a number stored as a number
            full = (first17[r] * 10 + check_pos[r] % 10).astype(np.float64)
            ids[r] = np.char.mod("%.5E", full).astype(object)


def write_synthetic_csv(path: str | os.PathLike, n: int, seed: int = 0, year: int | None = None,
                        error_rate: float = 0.0) -> Path:
    """Write a synthetic roster as UTF-8 CSV with a BOM (as Excel saves it)."""
    path = Path(path)
    synthetic_roster(n, seed=seed, year=year, error_rate=error_rate).to_csv(path, index=False, encoding="utf-8-sig")
    return path
