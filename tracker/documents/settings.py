"""The `[documents]` settings: who issues our documents, how they are numbered, which fonts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class DocumentSettings:
    """What an office prints on every document; any field can be overridden per document."""

    issuing_body: str = "示范县人大常委会办公室"  # 发文机关 (signature and 印发机关)
    header_title: str = ""  # 发文机关标志 of the red header (版头); empty: no red header
    number_pattern: str = "{org}办〔{year}〕{n}号"  # 文号; {org}, {year}, {n}
    org_short: str = "县人大"  # {org} in the 文号
    recipients: str = ""  # 主送机关, printed before the body ending in "："
    copy_to: str = ""  # 抄送, in the 版记
    printed_by: str = ""  # 印发机关 in the 版记; empty: the issuing body
    contact: str = ""  # 联系人 (name, telephone) at the end of a 督办通知单
    font_title: str = "方正小标宋简体"
    font_body: str = "仿宋_GB2312"
    font_heading: str = "黑体"
    font_subheading: str = "楷体_GB2312"
    font_page_number: str = "宋体"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DocumentSettings:
        """From `config["DOCUMENTS"]` (keys upper-cased by the loader); unknown keys ignored."""
        section = {str(k).lower(): v for k, v in (config.get("DOCUMENTS") or {}).items()}
        names = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in section.items() if k in names})

    def override(self, values: Mapping[str, str | None]) -> DocumentSettings:
        """These settings with the non-empty `values` (a per-document form) put in."""
        names = {f.name for f in fields(self)}
        return replace(self, **{k: v.strip() for k, v in values.items() if k in names and v})

    def number(self, year: int, serial: int) -> str:
        """The 文号 for the `serial`-th document of `year`, e.g. 县人大办〔2026〕3号."""
        return self.number_pattern.format(org=self.org_short, year=year, n=serial)
