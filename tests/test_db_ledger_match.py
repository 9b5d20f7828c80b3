"""Matching an upload against the ledger (core.db.ledger) by integer joins gives what the
string-keyed matching it replaced gave: the same amounts set to 0 or cut to the months not yet
paid, the same warnings and prior_paid texts, the same ledger entries (slices numbered on), for a
roster checked against a ledger holding one-time items, skill levels, monthly slices, an entry
written twice and entries of people not in the roster."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.db import ids, ledger
from core.i18n import t
from core.items import ONCE, ONCE_PER_LEVEL, PER_MONTH, REGISTRY
from core.synthetic import synthetic_roster
from core.validate import SEP
from tests.db_conftest_helpers import evaluate, sqlite_db  # noqa: F401  (fixtures)


def _append_texts(texts, mask, message):
    """The warning texts as they were appended (every row worked on, each time)."""
    texts = texts.astype("string").fillna("")
    if not mask.any():
        return texts
    msg = message if isinstance(message, str) else message.astype("string")
    joined = texts.where(texts == "", texts + SEP) + msg
    return texts.where(~mask, joined)


class _StringKeyed(ledger._Adjusting):
    """The matching as it was (person and seq joined into one string per row, the texts
    appended over the whole frame at each flag)."""

    def __init__(self, frame, *args):
        super().__init__(frame, *args)
        self.warnings = frame["warnings"].astype("string").fillna("")
        self.prior_paid = pd.Series([""] * len(frame), index=frame.index, dtype="string")

    def _flag(self, mask, item, message):
        self.warnings = _append_texts(self.warnings, mask, message)
        self.prior_paid = _append_texts(self.prior_paid, mask, item)
        self.flagged |= mask

    def texts(self, warnings):
        return self.warnings, self.prior_paid

    def once(self, item, per_level):
        pk, has_key = self.pk, self.has_key
        amount = self.frame[item].to_numpy().astype("int64")
        seq = (self.frame["certificate_level"].astype(object).map(ledger._LEVEL_SEQ).fillna(0).astype("int64")
               .to_numpy() if per_level else np.zeros(len(self.frame), dtype="int64"))
        paid = self.prior[self.prior["item"] == item]
        if len(paid):
            person_seq = pk.fillna("").to_numpy(dtype=object) + "\x00" + seq.astype(str).astype(object)
            paid_seq = paid["person_key"].astype(str).to_numpy(dtype=object) + "\x00" + \
                pd.to_numeric(paid["seq"]).fillna(0).astype("int64").astype(str).to_numpy(dtype=object)
            paid_upload = pd.Series(person_seq).map(dict(zip(paid_seq, paid["upload_id"])))
        else:
            paid_upload = pd.Series([None] * len(pk), dtype=object)
        already = has_key & (amount > 0) & (paid_upload.notna().to_numpy() | ~self.first_of_person)
        if already.any():
            prefix, suffix = t("db.upload.prior_one_time", self.lang, item=t(f"db.items.{item}", self.lang),
                               upload="\x00").split("\x00")
            where = pd.Series(paid_upload.to_numpy(), index=self.frame.index).astype("Int64").astype("string") \
                .fillna("?")
            self._flag(already, item, prefix + where + suffix)
            amount = np.where(already, 0, amount)
            self.frame[item] = amount
        grant = has_key & (amount > 0) & self.open
        if grant.any():
            self.ledger.append(pd.DataFrame({"person_key": pk[grant].reset_index(drop=True), "item": item,
                                             "seq": seq[grant], "months": None, "amount": amount[grant],
                                             "row": self.rows[grant]}))

    def monthly(self, item, column):
        pk, has_key = self.pk, self.has_key
        amount = self.frame[item].to_numpy().astype("int64")
        months = pd.to_numeric(self.frame[column], errors="coerce").fillna(0).to_numpy().astype("int64")
        paid = self.prior[self.prior["item"] == item]
        paid_months = pk.map(pd.to_numeric(paid["months"]).groupby(paid["person_key"]).sum()).fillna(0) \
            .to_numpy().astype("int64")
        next_seq = pk.map(pd.to_numeric(paid["seq"]).groupby(paid["person_key"]).max() + 1).fillna(0) \
            .to_numpy().astype("int64")
        eligible = (self.frame[f"{item}_status"].astype(object) == "eligible").to_numpy()
        reduce = has_key & eligible & (months > 0) & (paid_months > 0)
        if reduce.any():
            left = np.clip(months - paid_months, 0, None)
            per_month = np.where(months > 0, amount // np.maximum(months, 1), 0)
            new_months = np.where(reduce, left, months)
            amount = np.where(reduce, per_month * left, amount)
            prefix, suffix = t(f"db.upload.prior_months.{item}", self.lang, months="\x00").split("\x00")
            self._flag(reduce, item, prefix + pd.Series(paid_months, index=self.frame.index).astype("string") + suffix)
            self.frame[item] = amount
            self.frame[column] = new_months
            months = new_months
        grant = has_key & eligible & (months > 0) & self.first_of_person & self.open
        if grant.any():
            self.ledger.append(pd.DataFrame({"person_key": pk[grant].reset_index(drop=True), "item": item,
                                             "seq": next_seq[grant], "months": months[grant],
                                             "amount": amount[grant], "row": self.rows[grant]}))


def _prior(frame: pd.DataFrame, rng) -> pd.DataFrame:
    keys = frame["person_key"].dropna().unique()
    out = []
    for spec in REGISTRY:
        who = rng.choice(keys, size=len(keys) // 3, replace=False)
        if spec.frequency == ONCE:
            out.append(pd.DataFrame({"person_key": who, "item": spec.code, "seq": 0, "months": None}))
        elif spec.frequency == ONCE_PER_LEVEL:
            out.append(pd.DataFrame({"person_key": who, "item": spec.code, "seq": rng.integers(1, 4, len(who)),
                                     "months": None}))
        else:
            assert spec.frequency == PER_MONTH
            for s in range(3):          # up to three slices of months each
                part = who[: len(who) // (s + 1)]
                out.append(pd.DataFrame({"person_key": part, "item": spec.code, "seq": s,
                                         "months": rng.integers(1, 8, len(part))}))
    prior = pd.concat(out, ignore_index=True)
    prior["upload_id"] = rng.integers(1, 9, len(prior))
    twice = prior[prior["item"] == REGISTRY[0].code].head(20).assign(upload_id=99)     # written twice
    strangers = prior.head(30).assign(person_key=[f"{i:064x}" for i in range(30)])    # not in this roster
    return pd.concat([prior, twice, strangers], ignore_index=True).astype({"months": "Int64"})


def test_integer_matching_equals_the_string_matching(sqlite_db, monkeypatch):
    roster = synthetic_roster(3000, seed=5, error_rate=0.05)
    roster = pd.concat([roster, roster.head(40)], ignore_index=True)          # people twice in a file
    result = evaluate(roster.to_csv(index=False).encode("utf-8"))
    frame = result.frame.copy()
    frame["person_key"] = ids.person_keys(frame["id_number"]).array
    prior = _prior(frame, np.random.default_rng(8))
    monkeypatch.setattr(ledger, "_prior_payments", lambda conn, keys, before=None: prior)
    new, new_ledger = ledger.apply_prior_payments(frame, None)
    monkeypatch.setattr(ledger, "_Adjusting", _StringKeyed)
    old, old_ledger = ledger.apply_prior_payments(frame, None)
    assert new.attrs["flagged"] == old.attrs["flagged"] > 500
    for spec in REGISTRY:               # every item had something to match
        assert old["prior_paid"].str.contains(spec.code, regex=False).sum() > 0, spec.code
    several = old["prior_paid"].str.contains(SEP, regex=False)       # rows flagged for two items or more
    assert several.sum() > 100 and (old.loc[several, "warnings"].str.count(SEP) >= 1).all()
    pd.testing.assert_frame_equal(new, old)
    pd.testing.assert_frame_equal(new_ledger.astype({"months": "Int64"}), old_ledger.astype({"months": "Int64"}))
    assert len(new_ledger) > 1000
