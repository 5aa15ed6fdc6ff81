"""Find a service item as a clerk types: by name, code or the pinyin initials of its name (gtgsh…)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from workflow_service.models import ServiceItem


@lru_cache(maxsize=4096)
def pinyin_initials(name: str) -> str:
    """``个体工商户设立登记`` → ``gtgshsldj``; characters without pinyin are kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


def matches_query(item: ServiceItem, query: str) -> bool:
    """An empty query matches everything; otherwise part of the name, the code, or the name's initials."""
    text = query.strip().lower()
    if not text:
        return True
    return (
        text in item.name.lower()
        or text in item.code.lower()
        or text in (item.short_code or "").lower()
        or text in pinyin_initials(item.name)
    )
