"""Common variant spellings that a search treats as the same word.

JiGuang's pages and their readers do not always spell a word the same way: 登陆 is a common
variant of 登录 (log in), 帐号 of 账号 (account). A search for one also finds the others. The
lookup command, the lookup page and Datasette's search query all use this one table.
"""

from __future__ import annotations

# Each group lists spellings that mean the same; the first is the standard one.
VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("登录", "登陆"),
    ("账号", "帐号"),
    ("账户", "帐户"),
    ("其他", "其它"),
)

_BY_SPELLING: dict[str, tuple[str, ...]] = {
    spelling: group for group in VARIANT_GROUPS for spelling in group
}


def spellings(term: str) -> tuple[str, ...]:
    """`term` and every text that differs from it only by a declared variant, `term` first.

    Each occurrence of a variant is replaced by every spelling of its group, so 登陆失败
    gives 登陆失败 and 登录失败 (at most a few dozen: the groups are small).
    """
    found = [term]
    for spelling, group in _BY_SPELLING.items():
        if spelling not in term:
            continue
        for text in list(found):
            for other in group:
                candidate = text.replace(spelling, other)
                if candidate not in found:
                    found.append(candidate)
    return tuple(found)
