"""The pinyin initials of an item's name (个体工商户设立登记 → gtgshsldj), worked out when the name is
written and stored beside it, so the catalogue search never needs pypinyin.

pypinyin's dictionaries take ~55 MiB in a process; importing it inside the function keeps them out
of the gunicorn workers, which only read the stored initials. Loading or changing the catalogue
(the CLI, an analyst's change) pays for it.
"""

from __future__ import annotations


def pinyin_initials(name: str) -> str:
    """``个体工商户设立登记`` → ``gtgshsldj``; characters without pinyin are kept as they are."""
    from pypinyin import Style, lazy_pinyin  # ~55 MiB: only where a name is written

    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
