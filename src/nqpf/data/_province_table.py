"""The province-level rows of the region registry (GB/T 2260), as plain data.

Codes and full names are those of the Ministry of Civil Affairs code list (GB/T 2260,
``cn-admin-codes``: yescallop/areacodes, CC0). The four NBS regions (2011) and the three
belts follow methods-reference §13:

* ``region4`` — east 10 (北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南), central 6
  (山西 安徽 江西 河南 湖北 湖南), west 12 (内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海
  宁夏 新疆), northeast 3 (辽宁 吉林 黑龙江);
* ``belt3`` — east 11 (four-region east + 辽宁), central 8 (four-region central + 吉林
  黑龙江), west 12.

Taiwan, Hong Kong and Macao are listed with ``mainland=False`` and no groups.
"""
from __future__ import annotations

__all__ = ["PROVINCES", "REGION4_ZH", "BELT3_ZH", "SUFFIXES_ZH", "SUFFIXES_EN"]

#: (code, short name, full name, English name, English/pinyin aliases, region4, belt3, valid_from, mainland)
PROVINCES: tuple[tuple, ...] = (
    ("110000", "北京", "北京市", "Beijing", ("Peking",), "east", "east", 1981, True),
    ("120000", "天津", "天津市", "Tianjin", (), "east", "east", 1981, True),
    ("130000", "河北", "河北省", "Hebei", (), "east", "east", 1981, True),
    ("140000", "山西", "山西省", "Shanxi", (), "central", "central", 1981, True),
    ("150000", "内蒙古", "内蒙古自治区", "Inner Mongolia", ("Nei Mongol", "Neimenggu", "Nei Menggu", "Neimongol"),
     "west", "west", 1981, True),
    ("210000", "辽宁", "辽宁省", "Liaoning", (), "northeast", "east", 1981, True),
    ("220000", "吉林", "吉林省", "Jilin", (), "northeast", "central", 1981, True),
    ("230000", "黑龙江", "黑龙江省", "Heilongjiang", (), "northeast", "central", 1981, True),
    ("310000", "上海", "上海市", "Shanghai", (), "east", "east", 1981, True),
    ("320000", "江苏", "江苏省", "Jiangsu", (), "east", "east", 1981, True),
    ("330000", "浙江", "浙江省", "Zhejiang", (), "east", "east", 1981, True),
    ("340000", "安徽", "安徽省", "Anhui", (), "central", "central", 1981, True),
    ("350000", "福建", "福建省", "Fujian", (), "east", "east", 1981, True),
    ("360000", "江西", "江西省", "Jiangxi", (), "central", "central", 1981, True),
    ("370000", "山东", "山东省", "Shandong", (), "east", "east", 1981, True),
    ("410000", "河南", "河南省", "Henan", (), "central", "central", 1981, True),
    ("420000", "湖北", "湖北省", "Hubei", (), "central", "central", 1981, True),
    ("430000", "湖南", "湖南省", "Hunan", (), "central", "central", 1981, True),
    ("440000", "广东", "广东省", "Guangdong", ("Canton",), "east", "east", 1981, True),
    ("450000", "广西", "广西壮族自治区", "Guangxi", ("Guangxi Zhuang",), "west", "west", 1981, True),
    ("460000", "海南", "海南省", "Hainan", (), "east", "east", 1988, True),
    ("500000", "重庆", "重庆市", "Chongqing", (), "west", "west", 1997, True),
    ("510000", "四川", "四川省", "Sichuan", (), "west", "west", 1981, True),
    ("520000", "贵州", "贵州省", "Guizhou", (), "west", "west", 1981, True),
    ("530000", "云南", "云南省", "Yunnan", (), "west", "west", 1981, True),
    ("540000", "西藏", "西藏自治区", "Tibet", ("Xizang",), "west", "west", 1981, True),
    ("610000", "陕西", "陕西省", "Shaanxi", (), "west", "west", 1981, True),
    ("620000", "甘肃", "甘肃省", "Gansu", (), "west", "west", 1981, True),
    ("630000", "青海", "青海省", "Qinghai", (), "west", "west", 1981, True),
    ("640000", "宁夏", "宁夏回族自治区", "Ningxia", ("Ningxia Hui",), "west", "west", 1981, True),
    ("650000", "新疆", "新疆维吾尔自治区", "Xinjiang", ("Xinjiang Uygur", "Xinjiang Uyghur"), "west", "west", 1981, True),
    ("710000", "台湾", "台湾省", "Taiwan", (), None, None, 1981, False),
    ("810000", "香港", "香港特别行政区", "Hong Kong", ("Hongkong",), None, None, 1997, False),
    ("820000", "澳门", "澳门特别行政区", "Macao", ("Macau",), None, None, 1999, False),
)

REGION4_ZH: dict[str, str] = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
BELT3_ZH: dict[str, str] = {"east": "东部", "central": "中部", "west": "西部"}

#: Chinese administrative suffixes stripped when a name does not match as written (longest first)
SUFFIXES_ZH: tuple[str, ...] = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县",
    "地区", "省", "市", "盟", "区", "县", "旗",
)

#: English suffixes stripped (after lower-casing and removing punctuation/spaces), longest first
SUFFIXES_EN: tuple[str, ...] = (
    "uygurautonomousregion", "uyghurautonomousregion", "zhuangautonomousregion", "huiautonomousregion",
    "specialadministrativeregion", "autonomousregion", "municipality", "province", "sar", "shi", "sheng",
)
