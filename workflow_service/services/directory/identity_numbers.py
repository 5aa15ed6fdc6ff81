"""Check resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015) part by part.

Each part is checked on its own and each refusal names the part that is wrong, so a clerk knows
whether to re-read a digit or the date. The region part is only a warning: IDs and codes keep the
region code of the office that issued them, which may since have been renamed, merged or created
(东阳县 became 东阳市 in 1988, yet IDs issued later carry 330783 whatever the birth year), and the
national code table a library ships is never complete. A code that no table knows is shown to the
clerk to check against the document, never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from stdnum import numdb

EARLIEST_BIRTH_YEAR = 1900
RESIDENT_ID_LENGTH = 18
CREDIT_CODE_LENGTH = 18
# ISO 7064 MOD 11-2 weights of the 17 body digits of a resident ID.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"
# GB 32100-2015: the code's characters are the digits and the capitals without I, O, Z, S, V.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100-2015 table 1: registration authority (1st character) → the entity types (2nd) it registers.
CREDIT_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "1234569"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}
# Registered at national level: the region part is 100000, which no county table lists.
NATIONAL_REGION = "100000"
_COUNTY_PERIOD = re.compile(r"^\[[0-9]*-[0-9]*\]")


@dataclass(frozen=True)
class NumberCheck:
    """A number as typed, normalised, with what refuses it and what the clerk should look at."""

    number: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def region_name(code: str) -> str | None:
    """The province and county a 6-digit region code names in the national table (any year), or None."""
    if code == NATIONAL_REGION:
        return "国家级"
    info = {key: value for _part, props in numdb.get("cn/loc").info(code) for key, value in props.items()}
    if "county" not in info:
        return None
    # The table lists each name a code had, with its years: "[1989-]东阳市,[-1988]东阳县"; take the newest.
    county = _COUNTY_PERIOD.sub("", info["county"].split(",")[0])
    province = info.get("province", "")
    return county if county == province else f"{province}{county}"


def _region_warning(code: str, what: str) -> list[str]:
    if region_name(code) is not None:
        return []
    return [f"{what}{code} 不在行政区划代码表中（可能已调整或新设），请与证件原件核对"]


def normalised(value: str) -> str:
    """Spaces and hyphens dropped, letters upper case: what the clerk meant to type."""
    return re.sub(r"[\s-]", "", value).upper()


def resident_id_check_character(body: str) -> str:
    """The 18th character (ISO 7064 MOD 11-2) of a resident ID whose first 17 digits are ``body``."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARACTERS[total % 11]


def _birth_date_errors(digits: str, today: date) -> list[str]:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return [f"出生日期（第 7–14 位）{digits} 不是有效的日期"]
    if born > today:
        return [f"出生日期（第 7–14 位）{born.isoformat()} 晚于今天"]
    if born.year < EARLIEST_BIRTH_YEAR:
        return [f"出生日期（第 7–14 位）{born.isoformat()} 早于 {EARLIEST_BIRTH_YEAR} 年"]
    return []


def check_resident_id(value: str, today: date) -> NumberCheck:
    """Length, then the birth date and the check digit, each with its own message; region a warning."""
    number = normalised(value)
    if len(number) != RESIDENT_ID_LENGTH:
        return NumberCheck(number, [f"居民身份证号码应为 {RESIDENT_ID_LENGTH} 位，现为 {len(number)} 位"])
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        return NumberCheck(number, ["居民身份证号码前 17 位须为数字，第 18 位为数字或 X"])
    errors = _birth_date_errors(number[6:14], today)
    if number[-1] != resident_id_check_character(number[:-1]):
        errors.append("校验位（第 18 位）与前 17 位不符，请逐位核对号码")
    warnings = [] if errors else _region_warning(number[:6], "地区码（前 6 位）")
    return NumberCheck(number, errors, warnings)


def birth_date_of(resident_id: str) -> date:
    """The birth date of a resident ID that passed ``check_resident_id``."""
    return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))


def credit_code_check_character(body: str) -> str:
    """The 18th character (MOD 31) of a credit code whose first 17 characters are ``body``."""
    total = sum(
        _CREDIT_ALPHABET.index(char) * weight for char, weight in zip(body, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def _authority_errors(number: str) -> list[str]:
    authority = CREDIT_AUTHORITIES.get(number[0])
    if authority is None:
        return [f"登记管理部门代码（第 1 位）{number[0]} 不存在"]
    name, types = authority
    if number[1] not in types:
        return [f"机构类别代码（第 2 位）{number[1]} 不是{name}登记的机构类别"]
    return []


def check_credit_code(value: str) -> NumberCheck:
    """Length, charset, authority and type, region part and check character; an unknown region a warning."""
    number = normalised(value)
    if len(number) != CREDIT_CODE_LENGTH:
        return NumberCheck(number, [f"统一社会信用代码应为 {CREDIT_CODE_LENGTH} 位，现为 {len(number)} 位"])
    wrong = sorted({char for char in number if char not in _CREDIT_ALPHABET})
    if wrong:
        return NumberCheck(
            number,
            [f"统一社会信用代码含不使用的字符 {'、'.join(wrong)}（只用数字和除 I、O、Z、S、V 外的大写字母）"],
        )
    errors = _authority_errors(number)
    region = number[2:8]
    if not region.isdigit():
        errors.append(f"登记管理机关行政区划码（第 3–8 位）{region} 须为 6 位数字")
    if number[-1] != credit_code_check_character(number[:-1]):
        errors.append("校验码（第 18 位）与前 17 位不符，请逐位核对代码")
    warnings = [] if errors else _region_warning(region, "登记管理机关行政区划码（第 3–8 位）")
    return NumberCheck(number, errors, warnings)
