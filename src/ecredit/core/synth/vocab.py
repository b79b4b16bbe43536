"""Words the synthetic population is made of: people's names, trade names, industries, violations."""

from __future__ import annotations

from dataclasses import dataclass

# Common surnames, most frequent first (weights fall off with rank).
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱戴严"
)
GIVEN_CHARS = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华建国文辉鑫宇浩然子涵欣怡梓轩雨萱俊杰佳琪思远"
    "晨阳婷雪梅晓东海燕志鹏红玉兰凯博文斌立新春晖嘉琪梦瑶一鸣天佑诗雨家豪泽宇晓峰亚楠丹凤慧琳"
)

# Trade names (字号) are two characters: one of FIRST and one of SECOND, with their pinyin.
FIRST = (
    ("金", "Jin"),
    ("华", "Hua"),
    ("鑫", "Xin"),
    ("恒", "Heng"),
    ("瑞", "Rui"),
    ("盛", "Sheng"),
    ("嘉", "Jia"),
    ("天", "Tian"),
    ("博", "Bo"),
    ("优", "You"),
    ("云", "Yun"),
    ("锦", "Jin"),
    ("宏", "Hong"),
    ("诚", "Cheng"),
    ("鼎", "Ding"),
    ("汇", "Hui"),
    ("星", "Xing"),
    ("蓝", "Lan"),
    ("绿", "Lv"),
    ("益", "Yi"),
    ("万", "Wan"),
    ("百", "Bai"),
    ("新", "Xin"),
    ("领", "Ling"),
    ("悦", "Yue"),
    ("乐", "Le"),
    ("美", "Mei"),
    ("佳", "Jia"),
    ("福", "Fu"),
    ("安", "An"),
    ("康", "Kang"),
    ("德", "De"),
    ("信", "Xin"),
    ("明", "Ming"),
    ("泰", "Tai"),
    ("隆", "Long"),
    ("兴", "Xing"),
    ("和", "He"),
    ("润", "Run"),
    ("丰", "Feng"),
    ("聚", "Ju"),
    ("尚", "Shang"),
    ("禾", "He"),
    ("沐", "Mu"),
)
SECOND = (
    ("源", "yuan"),
    ("创", "chuang"),
    ("达", "da"),
    ("昌", "chang"),
    ("辉", "hui"),
    ("世", "shi"),
    ("远", "yuan"),
    ("品", "pin"),
    ("裳", "shang"),
    ("图", "tu"),
    ("通", "tong"),
    ("邦", "bang"),
    ("家", "jia"),
    ("合", "he"),
    ("锐", "rui"),
    ("航", "hang"),
    ("享", "xiang"),
    ("购", "gou"),
    ("宜", "yi"),
    ("辰", "chen"),
    ("鸿", "hong"),
    ("途", "tu"),
    ("峰", "feng"),
    ("阳", "yang"),
    ("朗", "lang"),
    ("凯", "kai"),
    ("森", "sen"),
    ("思", "si"),
    ("策", "ce"),
    ("屹", "yi"),
    ("臻", "zhen"),
    ("悦", "yue"),
    ("然", "ran"),
    ("禧", "xi"),
    ("泽", "ze"),
    ("骏", "jun"),
    ("逸", "yi"),
    ("诺", "nuo"),
    ("澜", "lan"),
    ("熙", "xi"),
)


@dataclass(frozen=True)
class Industry:
    """What a seller sells: the words for its name and scope, typical ticket, what inspectors test."""

    key: str
    word: str  # in company names: 服饰
    word_en: str
    shop: str  # in individual-business names: 服装店
    scope: str  # in the business scope: 服装服饰
    ticket_cny: float  # average order value
    refund_bias: float  # apparel is returned far more often than tea
    products: tuple[str, ...]
    defects: tuple[str, ...]
    food: bool = False


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "apparel",
        "服饰",
        "Apparel",
        "服装店",
        "服装服饰",
        139.0,
        0.08,
        ("女士针织衫", "儿童T恤", "男士休闲裤", "羽绒服", "连衣裙"),
        ("纤维含量不合格", "pH值不合格", "甲醛含量超标", "使用说明不合格"),
    ),
    Industry(
        "food",
        "食品",
        "Food",
        "食品商行",
        "食品",
        69.0,
        0.01,
        ("坚果炒货", "糕点", "速冻水饺", "蜂蜜", "牛肉干"),
        ("菌落总数超标", "过氧化值超标", "标签不符合规定", "防腐剂超范围使用"),
        food=True,
    ),
    Industry(
        "tea",
        "茶业",
        "Tea",
        "茶叶店",
        "茶叶",
        188.0,
        0.01,
        ("西湖龙井茶", "红茶", "白茶", "铁观音"),
        ("农药残留超标", "稀土元素超标", "标签不符合规定"),
        food=True,
    ),
    Industry(
        "cosmetics",
        "化妆品",
        "Cosmetics",
        "化妆品店",
        "化妆品",
        159.0,
        0.03,
        ("面膜", "洗发水", "防晒霜", "口红"),
        ("菌落总数超标", "检出禁用原料", "标签标识不合格"),
    ),
    Industry(
        "baby",
        "母婴用品",
        "Maternal and Infant Products",
        "母婴用品店",
        "母婴用品",
        119.0,
        0.04,
        ("婴儿纸尿裤", "儿童餐具", "婴儿推车", "儿童玩具"),
        ("渗漏性能不合格", "迁移物超标", "结构安全不合格", "增塑剂超标"),
    ),
    Industry(
        "electronics",
        "电子科技",
        "Electronic Technology",
        "电子产品经营部",
        "电子产品",
        269.0,
        0.04,
        ("移动电源", "蓝牙耳机", "电源适配器", "充电线", "智能手表"),
        ("输出电压不合格", "标称容量不合格", "电磁兼容不合格", "温升超标"),
    ),
    Industry(
        "home",
        "家居用品",
        "Household Products",
        "日用品店",
        "日用百货",
        89.0,
        0.03,
        ("电热水壶", "不锈钢保温杯", "床上用品", "收纳箱"),
        ("耐热性不合格", "重金属迁移量超标", "纤维含量不合格"),
    ),
    Industry(
        "footwear",
        "鞋业",
        "Footwear",
        "鞋店",
        "鞋帽",
        199.0,
        0.07,
        ("运动鞋", "儿童皮鞋", "休闲鞋"),
        ("耐折性能不合格", "剥离强度不合格", "标识不合格"),
    ),
    Industry(
        "luggage",
        "箱包",
        "Luggage",
        "箱包店",
        "箱包",
        229.0,
        0.05,
        ("拉杆箱", "双肩背包", "女士手提包"),
        ("拉杆疲劳不合格", "缝合强度不合格"),
    ),
    Industry(
        "jewelry",
        "珠宝",
        "Jewelry",
        "饰品店",
        "珠宝首饰",
        699.0,
        0.04,
        ("银饰品", "黄金饰品", "时尚耳饰"),
        ("贵金属含量不足", "镍释放量超标"),
    ),
    Industry(
        "sports",
        "体育用品",
        "Sporting Goods",
        "体育用品店",
        "体育用品及器材",
        179.0,
        0.04,
        ("瑜伽垫", "羽毛球拍", "运动护具"),
        ("多环芳烃超标", "标识不合格"),
    ),
    Industry(
        "pets",
        "宠物用品",
        "Pet Supplies",
        "宠物用品店",
        "宠物食品及用品",
        99.0,
        0.02,
        ("宠物食品", "猫砂", "宠物玩具"),
        ("粗蛋白含量不合格", "标签不符合规定"),
    ),
    Industry(
        "agri",
        "农产品",
        "Agricultural Products",
        "农产品经营部",
        "食用农产品",
        79.0,
        0.02,
        ("大米", "干香菇", "柑橘", "杨梅"),
        ("镉含量超标", "二氧化硫残留超标", "农药残留超标"),
        food=True,
    ),
)
INDUSTRY_WEIGHTS = (20, 12, 4, 9, 7, 11, 11, 5, 3, 3, 4, 3, 5)

# Name words for roles that are not about goods: (Chinese, English).
ROLE_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "platform_operator": (
        ("网络科技", "Network Technology"),
        ("信息技术", "Information Technology"),
        ("电子商务", "E-commerce"),
    ),
    "logistics": (
        ("物流", "Logistics"),
        ("供应链管理", "Supply Chain Management"),
        ("快递服务", "Express Services"),
        ("国际货运代理", "International Freight Forwarding"),
    ),
    "cross_border": (
        ("进出口", "Import and Export"),
        ("跨境电子商务", "Cross-border E-commerce"),
        ("国际贸易", "International Trade"),
    ),
    "livestream_seller": (
        ("文化传媒", "Culture Media"),
        ("网络科技", "Network Technology"),
        ("传媒", "Media"),
    ),
    "mcn": (
        ("文化传媒", "Culture Media"),
        ("文化传播", "Culture Communication"),
        ("网红孵化", "Influencer Incubation"),
    ),
    "payment_service": (("支付科技", "Payment Technology"), ("信息服务", "Information Services")),
    "self_built_site": (("电子商务", "E-commerce"), ("网络科技", "Network Technology")),
}
MERCHANT_GENERIC = (("电子商务", "E-commerce"), ("商贸", "Trading"), ("贸易", "Trading"))

SCOPES = {
    "platform_operator": "许可项目：第二类增值电信业务。一般项目：技术服务、技术开发、技术咨询、技术交流、"
    "技术转让、技术推广；互联网数据服务；软件开发；广告设计、代理。",
    "logistics": "许可项目：道路货物运输（不含危险货物）；快递服务。一般项目：国内货物运输代理；"
    "普通货物仓储服务（不含危险化学品等需许可审批的项目）；供应链管理服务。",
    "livestream_seller": "一般项目：互联网直播技术服务；文艺创作；市场营销策划；组织文化艺术交流活动；"
    "互联网销售（除销售需要许可的商品）；{goods}销售。",
    "mcn": "一般项目：文化娱乐经纪人服务；互联网直播技术服务；市场营销策划；广告制作；"
    "组织文化艺术交流活动。",
    "payment_service": "一般项目：技术服务、技术开发、技术咨询；信息系统集成服务；数据处理服务。",
    "cross_border": "一般项目：货物进出口；技术进出口；互联网销售（除销售需要许可的商品）；"
    "{goods}批发；{goods}零售；国际货物运输代理。",
    "merchant": "一般项目：互联网销售（除销售需要许可的商品）；{goods}批发；{goods}零售；"
    "信息咨询服务（不含许可类信息咨询服务）。",
}
SCOPE_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"

# Foreign sellers on the cross-border stores.
FOREIGN_WORDS_1 = (
    "Bright",
    "North",
    "Blue",
    "Summit",
    "Oak",
    "River",
    "Alpen",
    "Nordic",
    "Sakura",
    "Pacific",
    "Harbor",
    "Evergreen",
    "Maple",
    "Silver",
    "Coastal",
    "Linden",
)
FOREIGN_WORDS_2 = (
    "Trading",
    "Goods",
    "Brands",
    "Commerce",
    "Naturals",
    "Labs",
    "Outfitters",
    "Supply",
    "Home",
    "Nutrition",
)
FOREIGN_COUNTRIES = (  # country, suffix, weight, Chinese country name
    ("US", "Inc.", 5, "美国"),
    ("DE", "GmbH", 4, "德国"),
    ("JP", "Co., Ltd.", 2, "日本"),
    ("GB", "Ltd", 1, "英国"),
    ("SG", "Pte. Ltd.", 1, "新加坡"),
)
LEI_ISSUERS = {"US": "5493", "DE": "5299", "JP": "3538", "GB": "2138", "SG": "5493"}

# Administrative penalties: violation, legal basis, smallest and largest usual fine.
LIGHT_VIOLATIONS = (
    ("未在首页显著位置持续公示营业执照信息", "《中华人民共和国电子商务法》第七十六条", 500, 5000),
    ("网店商品标价不规范", "《明码标价和禁止价格欺诈规定》第二十一条", 500, 5000),
    ("未按规定履行七日无理由退货义务", "《中华人民共和国消费者权益保护法》第五十六条", 1000, 10000),
    ("销售标签标识不符合规定的商品", "《中华人民共和国产品质量法》第五十四条", 500, 8000),
)
GENERAL_VIOLATIONS = (
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条", 20000, 200000),
    ("销售不合格产品", "《中华人民共和国产品质量法》第四十九条", 5000, 100000),
    ("虚构交易、编造用户评价", "《中华人民共和国电子商务法》第八十五条", 10000, 200000),
    ("擅自删除消费者评价", "《中华人民共和国电子商务法》第八十条", 20000, 100000),
    (
        "对商品作虚假或者引人误解的商业宣传",
        "《中华人民共和国反不正当竞争法》第二十条",
        100000,
        500000,
    ),
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条", 50000, 150000),
)
SERIOUS_VIOLATIONS = (
    ("销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条", 200000, 1500000),
    ("虚假宣传情节严重", "《中华人民共和国反不正当竞争法》第二十条", 500000, 2000000),
    ("组织虚假交易情节严重", "《中华人民共和国电子商务法》第八十五条", 200000, 500000),
    ("销售假冒伪劣商品", "《中华人民共和国产品质量法》第五十条", 300000, 1800000),
    (
        "销售不符合食品安全标准的食品，情节严重",
        "《中华人民共和国食品安全法》第一百二十四条",
        150000,
        900000,
    ),
)
SERIOUS_LISTING_REASONS = (
    "因实施危害消费者权益的严重违法行为受到较重行政处罚",
    "因销售侵犯注册商标专用权的商品受到较重行政处罚",
    "因虚假宣传受到较重行政处罚",
    "被列入经营异常名录届满三年仍未履行相关义务",
    "提交虚假材料取得市场主体登记",
)
ABNORMAL_REMOVAL = {
    "no_annual_report": "已补报年度报告并公示",
    "unreachable_address": "已依法办理住所变更登记",
    "false_information": "已更正公示信息",
    "other": "已履行相关义务",
}
COURT_CAUSES_DEFENDANT = (
    "网络购物合同纠纷",
    "信息网络买卖合同纠纷",
    "产品责任纠纷",
    "侵害商标权纠纷",
    "侵害作品信息网络传播权纠纷",
    "买卖合同纠纷",
    "劳动争议",
    "服务合同纠纷",
    "民间借贷纠纷",
)
COURT_CAUSES_PLAINTIFF = (
    "买卖合同纠纷",
    "服务合同纠纷",
    "不正当竞争纠纷",
    "侵害商标权纠纷",
    "运输合同纠纷",
)
COMPLAINT_SUMMARIES = {
    "quality": ("收到的商品存在质量问题，要求退货退款", "商品使用几天后损坏，商家拒绝售后"),
    "false_advertising": (
        "商品实际效果与宣传不符",
        "直播间宣传的赠品未发放",
        "页面标注的材质与实物不符",
    ),
    "refund": ("申请七天无理由退货被拒绝", "退货已签收但商家迟迟不退款"),
    "delivery": ("付款后超过约定时间仍未发货", "物流信息长时间未更新", "快递显示签收但未收到商品"),
    "counterfeit": ("怀疑购买到假冒品牌商品", "商品防伪码查询无记录"),
    "privacy": ("下单后频繁收到营销电话", "个人信息疑似被泄露"),
    "other": ("客服态度恶劣", "优惠券无法正常使用"),
}
HONOURS = (  # title template, kind, level, provider, who awards it
    (
        "{province}守合同重信用企业",
        "red_list",
        "provincial",
        "market-regulation",
        "province_market",
    ),
    ("{city}电子商务诚信示范企业", "red_list", "municipal", "development-reform", "city_dr"),
    ("{city}放心消费示范单位", "award", "municipal", "market-regulation", "city_market"),
    ("AAA级信用企业", "certification", "industry", "development-reform", "association"),
    ("跨境电商示范企业", "award", "municipal", "development-reform", "city_commerce"),
    ("直播电商诚信合规经营认证", "certification", "industry", "development-reform", "association"),
)
