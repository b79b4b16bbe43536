"""Name search: Chinese characters, pinyin, initials, English, typos."""

from __future__ import annotations

from ecredit.core.search import NameIndex, normalise, pinyin_keys

ROWS = [
    (1, "杭州西湖好物电子商务有限公司", "Hangzhou West Lake Goods E-commerce Co., Ltd."),
    (2, "宁波港城跨境贸易有限公司", "Ningbo Port City Cross-border Trade Co., Ltd."),
    (3, "青岛海信直播科技有限公司", ""),
    (4, "重庆银行网店", ""),
]


def index() -> NameIndex:
    return NameIndex.build(ROWS, None)


def best(q: str) -> int | None:
    found = index().match(q)
    return max(found, key=lambda pk: found[pk]) if found else None


def test_keys_are_normalised_pinyin_and_initials() -> None:
    assert normalise(" Ｗest  Lake，Co. ") == "westlakeco"
    assert pinyin_keys("西湖好物") == ("xihuhaowu", "xhhw")
    assert pinyin_keys("重庆") == ("chongqing", "cq")  # the place name, not zhòng


def test_each_way_of_writing_a_name_finds_it() -> None:
    assert best("西湖好物") == 1
    assert best("xihuhaowu") == 1
    assert best("Xi Hu Hao Wu") == 1
    assert best("hzxhhw") == 1
    assert best("west lake goods") == 1
    assert best("港城跨境") == 2
    assert best("ningbo port") == 2
    assert best("chongqing yinhang") == 4


def test_typos_still_find_the_name() -> None:
    assert best("西湖好务") == 1  # a homophone typed with a pinyin input method
    assert best("xihuhaowo") == 1  # a wrong letter
    assert best("ningbo prot city") == 2  # swapped letters
    assert best("qingdao haixin zhibo") == 3


def test_substring_matches_rank_above_near_misses_and_nothing_matches_nothing() -> None:
    found = index().match("有限公司")
    assert set(found) == {1, 2, 3}
    assert index().match("") == {}
    assert index().match("zzzzqqqq") == {}


def test_pinyin_is_computed_once_per_name_across_rebuilds() -> None:
    cache: dict[str, tuple[str, str]] = {}
    NameIndex.build(ROWS, cache)
    assert len(cache) == 4
    cache["杭州西湖好物电子商务有限公司"] = ("sentinel", "s")
    assert "sentinel" in NameIndex.build(ROWS, cache).keys
