"""The unit vocabulary an LLM answer may use (until ``jixiao.vocab`` owns it).

The LLM stage may only set a unit that is in ``UNITS`` (after mapping the common variants in
``UNIT_VARIANTS``), so a model cannot invent a unit the normaliser would not produce.
"""

from __future__ import annotations

#: Canonical units (``schema.md``: ``%``, ``万元``, ``次/年``, ``㎡`` … plus the ones the forms use).
UNITS: frozenset[str] = frozenset(
    {
        # ratios and scores
        "%",
        "‰",
        "分",
        "级",
        "星",
        # money
        "元",
        "万元",
        "亿元",
        "千元",
        "万元/年",
        "元/年",
        "元/月",
        "元/人",
        "元/人·年",
        "元/人·月",
        "元/次",
        "元/㎡",
        "万元/个",
        "万元/项",
        "万元/公里",
        # counts
        "次",
        "次/年",
        "次/月",
        "次/季度",
        "人",
        "人次",
        "万人",
        "万人次",
        "人/年",
        "个",
        "个/年",
        "件",
        "件/年",
        "项",
        "项/年",
        "家",
        "户",
        "所",
        "座",
        "处",
        "台",
        "套",
        "辆",
        "艘",
        "条",
        "篇",
        "份",
        "册",
        "本",
        "期",
        "场",
        "批",
        "张",
        "页",
        "部",
        "间",
        "床",
        "班",
        "支",
        "株",
        "棵",
        "头",
        "只",
        "宗",
        "起",
        "例",
        "课时",
        "学时",
        "村",
        "镇",
        "街镇",
        # time
        "年",
        "月",
        "季度",
        "周",
        "天",
        "日",
        "工作日",
        "小时",
        "分钟",
        # length, area, volume, mass, power
        "米",
        "公里",
        "千米",
        "㎡",
        "万㎡",
        "平方公里",
        "亩",
        "万亩",
        "公顷",
        "立方米",
        "万立方米",
        "吨",
        "万吨",
        "千克",
        "千瓦",
        "兆瓦",
    }
)

#: Printed variants → canonical unit.
UNIT_VARIANTS: dict[str, str] = {
    "％": "%",
    "百分比": "%",
    "百分率": "%",
    "平方米": "㎡",
    "m2": "㎡",
    "m²": "㎡",
    "万平方米": "万㎡",
    "km": "公里",
    "人数": "人",
    "个数": "个",
    "次数": "次",
    "立方": "立方米",
    "m3": "立方米",
    "m³": "立方米",
    "kg": "千克",
    "公斤": "千克",
    "kw": "千瓦",
}


def canonical_unit(text: str) -> str | None:
    """The canonical form of a unit, or ``None`` when it is not a known unit."""
    t = "".join(text.split())
    if t in UNITS:
        return t
    mapped = UNIT_VARIANTS.get(t) or UNIT_VARIANTS.get(t.lower())
    return mapped if mapped in UNITS else None
