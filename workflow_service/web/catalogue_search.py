"""Find a service item as a clerk types: by name, code or the pinyin initials of its name (gtgsh…).

The initials are stored with the item (``ServiceItem.name_initials``, written with the name), so
no worker loads pypinyin's dictionaries to answer a search.
"""

from __future__ import annotations

from workflow_service.models import ServiceItem


def matches_query(item: ServiceItem, query: str) -> bool:
    """An empty query matches everything; otherwise part of the name, the code, or the name's initials."""
    text = query.strip().lower()
    if not text:
        return True
    return (
        text in item.name.lower()
        or text in item.code.lower()
        or text in (item.short_code or "").lower()
        or text in item.name_initials
    )
