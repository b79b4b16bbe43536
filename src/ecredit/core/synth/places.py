"""The five cities of the seed survey: districts, streets, phone areas, and the bodies that act there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    """A district (区) with its GB/T 2260 code, the short form used in document numbers and streets."""

    code: str
    name: str
    pinyin: str
    abbr: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class City:
    """A prefecture-level city and the names its authorities, courts and customs go by."""

    name: str  # 杭州市
    short: str  # 杭州 (as in company names)
    abbr: str  # 杭 (as in document numbers)
    pinyin: str
    province: str
    province_abbr: str  # 浙 (as in court case numbers)
    phone_area: str
    customs: str
    customs_abbr: str
    intermediate_court_code: str
    internet_court: str  # "" where the city has none
    weight: float
    districts: tuple[District, ...]

    def market_authority(self, district: District | None = None) -> str:
        """The market-regulation bureau of the city, or of one of its districts."""
        if district is None:
            return f"{self.name}市场监督管理局"
        if self.short == "深圳":  # Shenzhen's districts have branch bureaus of the city bureau
            return f"深圳市市场监督管理局{district.name.removesuffix('区')}监管局"
        return f"{self.name}{district.name}市场监督管理局"

    def market_prefix(self, district: District | None = None) -> str:
        """The first characters of a market-regulation document number (杭市监, 杭西市监)."""
        return f"{self.abbr}市监" if district is None else f"{self.abbr}{district.abbr}市监"

    def tax_authority(self, district: District) -> str:
        return f"国家税务总局{self.name}{district.name}税务局"

    def court(self, district: District) -> str:
        return f"{self.name}{district.name}人民法院"

    def court_code(self, district: District) -> str:
        """The court's code in case numbers: province abbreviation + the district code's last four."""
        return f"{self.province_abbr}{district.code[2:]}"

    @property
    def intermediate_court(self) -> str:
        return f"{self.name}中级人民法院"


def _d(code: str, name: str, pinyin: str, abbr: str, streets: str) -> District:
    return District(code, name, pinyin, abbr, tuple(streets.split()))


CITIES: tuple[City, ...] = (
    City(
        "杭州市",
        "杭州",
        "杭",
        "Hangzhou",
        "浙江省",
        "浙",
        "0571",
        "杭州海关",
        "杭",
        "浙01",
        "杭州互联网法院",
        0.30,
        (
            _d("330102", "上城区", "Shangcheng", "上", "解放路 望江路 秋涛路 近江路 凤起东路"),
            _d("330105", "拱墅区", "Gongshu", "拱", "莫干山路 湖墅南路 丽水路 登云路 上塘路"),
            _d("330106", "西湖区", "Xihu", "西", "文三路 文二西路 天目山路 古墩路 西溪路"),
            _d("330108", "滨江区", "Binjiang", "滨", "网商路 江南大道 长河路 滨盛路 江虹路"),
            _d("330109", "萧山区", "Xiaoshan", "萧", "金城路 市心北路 人民路 建设一路 鸿宁路"),
            _d("330110", "余杭区", "Yuhang", "余", "文一西路 五常大道 良睦路 余杭塘路 龙潭路"),
        ),
    ),
    City(
        "宁波市",
        "宁波",
        "甬",
        "Ningbo",
        "浙江省",
        "浙",
        "0574",
        "宁波海关",
        "甬",
        "浙02",
        "",
        0.17,
        (
            _d("330203", "海曙区", "Haishu", "海", "中山西路 药行街 望春路 集士港路"),
            _d("330205", "江北区", "Jiangbei", "江", "人民路 洪塘中路 江北大道 大闸路"),
            _d("330206", "北仑区", "Beilun", "仑", "明州路 长江路 太河路 新大路"),
            _d("330211", "镇海区", "Zhenhai", "镇", "庄市大道 车站路 东邑路 沿江路"),
            _d("330212", "鄞州区", "Yinzhou", "鄞", "天童南路 鄞州大道 首南中路 四明中路"),
        ),
    ),
    City(
        "深圳市",
        "深圳",
        "深",
        "Shenzhen",
        "广东省",
        "粤",
        "0755",
        "深圳海关",
        "深",
        "粤03",
        "",
        0.23,
        (
            _d("440303", "罗湖区", "Luohu", "罗", "深南东路 人民南路 东门中路 宝安南路"),
            _d("440304", "福田区", "Futian", "福", "深南大道 福华三路 华强北路 益田路"),
            _d("440305", "南山区", "Nanshan", "南", "高新南九道 南海大道 后海大道 科苑路"),
            _d("440306", "宝安区", "Bao'an", "宝", "宝安大道 新安六路 福永大道 创业一路"),
            _d("440307", "龙岗区", "Longgang", "龙", "龙岗大道 五和大道 布吉路 龙翔大道"),
        ),
    ),
    City(
        "广州市",
        "广州",
        "穗",
        "Guangzhou",
        "广东省",
        "粤",
        "020",
        "广州海关",
        "穗",
        "粤01",
        "广州互联网法院",
        0.20,
        (
            _d("440103", "荔湾区", "Liwan", "荔", "中山八路 康王中路 芳村大道 龙津西路"),
            _d("440104", "越秀区", "Yuexiu", "越", "环市东路 北京路 东风中路 解放北路"),
            _d("440105", "海珠区", "Haizhu", "海", "新港中路 江南大道中 工业大道 昌岗中路"),
            _d("440106", "天河区", "Tianhe", "天", "天河路 体育西路 华夏路 黄埔大道西"),
            _d("440111", "白云区", "Baiyun", "白", "白云大道北 机场路 广园中路 云城西路"),
            _d("440112", "黄埔区", "Huangpu", "埔", "科学大道 开创大道 黄埔东路 香雪大道"),
        ),
    ),
    City(
        "青岛市",
        "青岛",
        "青",
        "Qingdao",
        "山东省",
        "鲁",
        "0532",
        "青岛海关",
        "青",
        "鲁02",
        "",
        0.10,
        (
            _d("370202", "市南区", "Shinan", "南", "香港中路 山东路 宁夏路 闽江路"),
            _d("370203", "市北区", "Shibei", "北", "辽宁路 延吉路 福州北路 敦化路"),
            _d("370211", "黄岛区", "Huangdao", "黄", "长江中路 井冈山路 前湾港路 珠江路"),
            _d("370212", "崂山区", "Laoshan", "崂", "海尔路 苗岭路 深圳路 株洲路"),
            _d("370213", "李沧区", "Licang", "李", "京口路 九水路 重庆中路 书院路"),
        ),
    ),
)

PROVINCIAL_BODIES = {
    "浙江省": (
        "浙江省市场监督管理局",
        "浙江省通信管理局",
        "浙江省邮政管理局",
        "浙江省文化和旅游厅",
    ),
    "广东省": (
        "广东省市场监督管理局",
        "广东省通信管理局",
        "广东省邮政管理局",
        "广东省文化和旅游厅",
    ),
    "山东省": (
        "山东省市场监督管理局",
        "山东省通信管理局",
        "山东省邮政管理局",
        "山东省文化和旅游厅",
    ),
}
