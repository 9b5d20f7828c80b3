"""The registry of the items paid to or for one person: one module each, read by everything else.

The engine, the explanations, the self-check, storage and the outputs take the list of items,
their clauses, payees, conditions and amounts from here; adding or changing an item touches its
module, its data (``data/policy``, ``data/messages``) and its tests. Items paid per event (fairs,
love posts, bases) are in ``core.enterprise``.
"""
from __future__ import annotations

from core.items import (
    employer_social_insurance,
    family_visit,
    organizer_service,
    rent,
    skill_training,
    stabilization,
)
from core.items.base import EMPLOYER, ONCE, ONCE_PER_LEVEL, ORGANIZER, PER_MONTH, WORKER, Condition, Item

# In the order they are shown: the worker's items, then those paid to others.
REGISTRY: tuple[Item, ...] = (
    stabilization.ITEM,
    family_visit.ITEM,
    skill_training.ITEM,
    rent.ITEM,
    organizer_service.ITEM,
    employer_social_insurance.ITEM,
)
ITEM: dict[str, Item] = {i.code: i for i in REGISTRY}
CONDITIONS: dict[str, Condition] = {c.name: c for i in REGISTRY for c in i.conditions}

ITEMS = tuple(ITEM)
WORKER_ITEMS = tuple(i.code for i in REGISTRY if i.to_worker)
# items with an amount the notice fixes (the JSON "amounts" of ROSTER.md)
AMOUNT_ITEMS = tuple(i.code for i in REGISTRY if i.local_standard is None)
ITEM_CLAUSE = {i.code: i.clause for i in REGISTRY}
ITEM_PAYEE = {i.code: i.payee for i in REGISTRY}

__all__ = [
    "AMOUNT_ITEMS", "CONDITIONS", "EMPLOYER", "ITEM", "ITEMS", "ITEM_CLAUSE", "ITEM_PAYEE", "ONCE",
    "ONCE_PER_LEVEL", "ORGANIZER", "PER_MONTH", "REGISTRY", "WORKER", "WORKER_ITEMS", "Item",
]
