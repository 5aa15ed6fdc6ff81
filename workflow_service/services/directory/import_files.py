"""Read import files — YAML with named lists, or CSV with one list — into rows that know their line."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workflow_service.errors import InvalidInput

LIST_SEPARATOR = ";"
TRUE_WORDS = frozenset({"1", "true", "yes", "是"})


@dataclass(frozen=True)
class Row:
    section: str
    line: int
    values: Mapping[str, Any]


class ImportFailed(InvalidInput):
    title = "导入文件有误，未导入任何数据"
    type_slug = "import-failed"


def rows_from_yaml(text: str, sections: Sequence[str]) -> list[Row]:
    """The rows of the YAML file's top-level lists, each with the line it starts on."""
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ImportFailed(f"不是合法的 YAML: {error}") from None
    if document is None:
        return []
    if not isinstance(document, yaml.MappingNode):
        raise ImportFailed(f"YAML 顶层须为映射（{' / '.join(sections)}）")
    constructor = yaml.SafeLoader("")
    rows: list[Row] = []
    for key_node, value_node in document.value:
        line = key_node.start_mark.line + 1
        if key_node.value not in sections:
            raise ImportFailed(
                f"第 {line} 行：未知的部分 {key_node.value!r}", errors={f"line {line}": ["未知的部分"]}
            )
        if not isinstance(value_node, yaml.SequenceNode):
            raise ImportFailed(
                f"第 {line} 行：{key_node.value} 须为列表", errors={f"line {line}": ["须为列表"]}
            )
        for item in value_node.value:
            values = constructor.construct_object(item, deep=True)
            rows.append(
                Row(key_node.value, item.start_mark.line + 1, values if isinstance(values, dict) else {})
            )
    return rows


def rows_from_csv(
    text: str, section: str, list_fields: Sequence[str] = (), bool_fields: Sequence[str] = ()
) -> list[Row]:
    """The rows of a CSV file (line 1 is the header); list fields are split on ``;``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for raw in reader:
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if not key or value is None or not str(value).strip():
                continue
            key, value = key.strip(), str(value).strip()
            if key in list_fields:
                values[key] = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
            elif key in bool_fields:
                values[key] = value.lower() in TRUE_WORDS
            else:
                values[key] = value
        rows.append(Row(section, reader.line_num, values))
    return rows


def rows_from_file(
    path: Path,
    sections: Sequence[str],
    csv_section: str | None = None,
    list_fields: Sequence[str] = (),
    bool_fields: Sequence[str] = (),
) -> list[Row]:
    """Rows of a ``.yaml``/``.yml`` file, or of a ``.csv`` file holding ``csv_section``."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        section = csv_section or (sections[0] if len(sections) == 1 else None)
        if section is None or section not in sections:
            raise ImportFailed(f"CSV 文件须指明数据类型（{' / '.join(sections)}）")
        return rows_from_csv(text, section, list_fields, bool_fields)
    return rows_from_yaml(text, sections)


class LineErrors:
    """Collects error messages per file line, for one report of everything wrong."""

    def __init__(self) -> None:
        self.by_line: dict[str, list[str]] = {}

    def add(self, row: Row, message: str) -> None:
        self.by_line.setdefault(f"line {row.line}", []).append(message)

    def raise_if_any(self) -> None:
        if self.by_line:
            raise ImportFailed(f"{len(self.by_line)} 行有误", errors=self.by_line)
