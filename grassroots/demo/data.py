"""Static tables of the demo county: place names, unit names and the attribute distributions of each kind of
branch (PERFORMANCE.md: national age bands, 30.4% women, 7.7% minorities; villages older, agencies younger)."""

COUNTY = "新川县"
COUNTY_REGION = "411099"  # GB/T 2260 style code under 河南省 (41); not a real county
OTHER_REGIONS = ("411002", "411024", "411081", "410102", "410105", "411302", "410305", "411421")
ROOT_CODE = "DEMO-411099"  # marks the demo tree, so --reset deletes only demo data

TOWNSHIP_NAMES = (
    "城关", "柳河", "石桥", "白杨", "青龙", "马集", "杨庄", "李店", "双河", "高庙", "南湖", "北岭", "新店", "王集",
    "张楼", "孙营", "大屯", "桃园", "杏花", "金山", "银河", "清水", "红旗", "长岗", "龙泉", "太平", "兴隆", "永安",
    "和平", "丰收", "东湖", "西岭", "梁寨", "刘坡", "赵岗", "陈店", "周湾", "吴集", "黄岗", "郑营",
)
DIRECTIONS = ("东", "西", "南", "北", "前", "后", "大", "小", "上", "下", "新", "老")
VILLAGE_SUFFIXES = (
    "庄", "营", "寨", "店", "集", "岗", "湾", "楼", "屯", "河", "沟", "坡", "洼", "铺", "桥", "园", "台", "堡", "庙", "家",
)
COMMUNITY_NAMES = (
    "和平", "建设", "人民", "解放", "幸福", "朝阳", "文化", "新华", "光明", "东风", "育才", "健康", "迎宾", "滨河",
    "紫荆", "桂花", "锦绣", "振兴", "康宁", "翠园",
)
STREETS = ("人民路", "解放路", "建设路", "文化路", "中山街", "新华路", "滨河路", "交通路", "工业路", "育才街")

AGENCIES = (
    "县委办公室", "县人大常委会机关", "县政府办公室", "县政协机关", "县纪委监委机关", "县委组织部", "县委宣传部",
    "县委统战部", "县委政法委", "县发展和改革委员会", "县财政局", "县教育体育局", "县卫生健康委员会", "县农业农村局",
    "县自然资源局", "县人力资源和社会保障局", "县民政局", "县住房和城乡建设局", "县交通运输局", "县水利局",
    "县市场监督管理局", "县应急管理局", "县司法局", "县审计局", "县统计局",
)
ORDINALS = ("第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十")
ENTERPRISE_WORDS = (
    "丰源", "金穗", "宏达", "鑫盛", "恒信", "绿野", "华康", "远航", "瑞丰", "中原", "青禾", "天润", "永利", "博远",
    "嘉禾", "润泽", "众诚", "安泰", "凯达", "益农",
)
ENTERPRISE_TRADES = (
    "食品有限公司", "农业科技有限公司", "建材有限公司", "纺织有限公司", "物流有限公司", "机械制造有限公司",
    "商贸有限公司", "电子科技有限公司", "生物科技有限公司", "建筑工程有限公司",
)
SMALL_UNITS = ("商贸行", "建材店", "农资店", "家庭农场", "种植专业合作社", "养殖专业合作社", "汽修厂", "超市", "饭店", "印务部")
SOCIAL_ORGS = (
    "县个体劳动者协会", "县物流行业协会", "县律师协会", "县餐饮行业协会", "县慈善总会", "县志愿者协会",
    "县注册会计师协会", "县农民专业合作社联合会", "县民办教育协会", "县社会工作服务中心",
)
MOBILE_CITIES = ("广州", "深圳", "郑州", "北京", "上海", "杭州", "苏州", "东莞")
SCHOOLS = ("县第一高级中学", "县第二高级中学", "县实验中学", "县职业教育中心", "县第一初级中学")
HOSPITALS = ("县人民医院", "县中医院", "县妇幼保健院", "县第二人民医院")

MINORITIES = (
    ("回族", 40), ("满族", 12), ("蒙古族", 8), ("壮族", 6), ("土家族", 6), ("苗族", 5), ("彝族", 4), ("朝鲜族", 3),
    ("藏族", 3), ("维吾尔族", 3), ("侗族", 2), ("瑶族", 2), ("白族", 2), ("布依族", 2), ("哈尼族", 1), ("畲族", 1),
)
MINORITY_SHARE = 0.077
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158",
    "159", "166", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)

# Age bands (lowest age, highest age). National shares at the end of 2023 (PERFORMANCE.md) for reference:
# ≤30 12.5%, 31–35 11.3%, 36–40 11.0%, 41–45 9.5%, 46–50 9.1%, 51–55 9.5%, 56–60 9.0%, ≥61 28.1%.
AGE_BANDS = ((20, 30), (31, 35), (36, 40), (41, 45), (46, 50), (51, 55), (56, 59), (60, 95))

EDU = ("primary", "junior_high", "high_school", "secondary_vocational", "college", "bachelor", "master", "doctorate")
OCC = ("farmer", "worker", "enterprise_manager", "professional", "official", "student", "military", "retired", "other")


def _w(**weights) -> dict:
    return weights


# Per profile: women's share, probationary share, age band weights (None: drawn per branch for villages),
# mean age at joining, education weights by age group (young < 40, middle 40–59, old 60+), occupation weights
# by age group, share of mobile members and of household plaques / hubs.
PROFILES = {
    "village": {
        "women": 0.24, "probationary": 0.025, "ages": None, "join_age": (28, 7),
        "edu": {
            "young": _w(primary=3, junior_high=30, high_school=25, secondary_vocational=12, college=20, bachelor=10),
            "middle": _w(primary=12, junior_high=50, high_school=22, secondary_vocational=8, college=6, bachelor=2),
            "old": _w(primary=45, junior_high=40, high_school=12, secondary_vocational=2, college=1),
        },
        "occ": {
            "young": _w(farmer=55, worker=15, other=17, enterprise_manager=7, professional=5, military=1),
            "middle": _w(farmer=72, worker=10, other=12, enterprise_manager=4, professional=2),
            "old": _w(farmer=85, other=10, retired=5),
        },
        "mobile": 0.07, "plaque": 0.45, "hub": 0.06,
    },
    "community": {
        "women": 0.45, "probationary": 0.025, "ages": None, "join_age": (27, 6),
        "edu": {
            "young": _w(junior_high=8, high_school=12, secondary_vocational=10, college=30, bachelor=35, master=5),
            "middle": _w(junior_high=20, high_school=25, secondary_vocational=12, college=23, bachelor=18, master=2),
            "old": _w(primary=15, junior_high=35, high_school=28, secondary_vocational=10, college=8, bachelor=4),
        },
        "occ": {
            "young": _w(worker=20, other=30, enterprise_manager=15, professional=25, official=5, student=5),
            "middle": _w(worker=25, other=35, enterprise_manager=15, professional=20, official=5),
            "old": _w(retired=75, other=20, worker=5),
        },
        "mobile": 0.03, "plaque": 0.2, "hub": 0.03,
    },
    "agency": {
        "women": 0.38, "probationary": 0.03,
        "ages": (18, 16, 16, 14, 13, 13, 10, 0), "join_age": (23, 3),
        "edu": {
            "young": _w(college=15, bachelor=66, master=17, doctorate=2),
            "middle": _w(high_school=3, secondary_vocational=4, college=25, bachelor=58, master=10),
            "old": _w(high_school=5, secondary_vocational=5, college=30, bachelor=55, master=5),
        },
        "occ": {"young": _w(official=88, professional=8, other=4)},
        "mobile": 0.0, "plaque": 0.0, "hub": 0.0,
    },
    "township": {
        "women": 0.30, "probationary": 0.03,
        "ages": (20, 17, 16, 14, 12, 12, 9, 0), "join_age": (23, 3),
        "edu": {
            "young": _w(college=25, bachelor=65, master=10),
            "middle": _w(high_school=6, secondary_vocational=8, college=36, bachelor=48, master=2),
            "old": _w(high_school=10, secondary_vocational=10, college=40, bachelor=40),
        },
        "occ": {"young": _w(official=92, other=8)},
        "mobile": 0.0, "plaque": 0.0, "hub": 0.0,
    },
    "school": {
        "women": 0.58, "probationary": 0.04,
        "ages": (20, 17, 15, 14, 12, 12, 10, 0), "join_age": (22, 3),
        "edu": {"young": _w(college=12, bachelor=63, master=23, doctorate=2)},
        "occ": {"young": _w(professional=88, enterprise_manager=7, other=5)},
        "mobile": 0.0, "plaque": 0.0, "hub": 0.0,
    },
    "hospital": {
        "women": 0.62, "probationary": 0.04,
        "ages": (20, 18, 15, 14, 12, 11, 10, 0), "join_age": (23, 3),
        "edu": {"young": _w(secondary_vocational=5, college=22, bachelor=58, master=13, doctorate=2)},
        "occ": {"young": _w(professional=88, enterprise_manager=7, other=5)},
        "mobile": 0.0, "plaque": 0.0, "hub": 0.0,
    },
    "enterprise": {
        "women": 0.30, "probationary": 0.05,
        "ages": (25, 22, 18, 13, 10, 7, 4, 1), "join_age": (25, 5),
        "edu": {
            "young": _w(junior_high=12, high_school=18, secondary_vocational=15, college=27, bachelor=25, master=3),
            "middle": _w(junior_high=25, high_school=25, secondary_vocational=15, college=20, bachelor=15),
            "old": _w(junior_high=35, high_school=30, secondary_vocational=15, college=15, bachelor=5),
        },
        "occ": {"young": _w(worker=45, enterprise_manager=25, professional=22, other=8)},
        "mobile": 0.02, "plaque": 0.0, "hub": 0.0,
    },
    "social": {
        "women": 0.45, "probationary": 0.04,
        "ages": (15, 14, 14, 13, 12, 10, 7, 15), "join_age": (26, 5),
        "edu": {"young": _w(high_school=15, secondary_vocational=10, college=30, bachelor=40, master=5)},
        "occ": {"young": _w(other=50, professional=30, enterprise_manager=20)},
        "mobile": 0.0, "plaque": 0.0, "hub": 0.0,
    },
    "mobile": {
        "women": 0.20, "probationary": 0.03,
        "ages": (25, 25, 20, 15, 10, 5, 0, 0), "join_age": (24, 4),
        "edu": {"young": _w(junior_high=35, high_school=25, secondary_vocational=15, college=15, bachelor=10)},
        "occ": {"young": _w(worker=55, other=30, enterprise_manager=10, farmer=5)},
        "mobile": 1.0, "plaque": 0.0, "hub": 0.0,
    },
}
