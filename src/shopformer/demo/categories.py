"""The demo shop's leaf categories: names, products, prices and the truths planted per category.

Twelve leaves in five groups. Seasonal peaks are days of the year: cold drinks peak in mid
July and fall through autumn, down jackets peak in mid January and rise through autumn, so a
July–October window shows both directions. Elasticities span -0.5 (skincare, loyal buyers)
to -2.5 (cold drinks, many substitutes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ASPECTS = ("quality", "price", "logistics", "service", "packaging", "size", "taste")
COMMON_ASPECTS = ("quality", "price", "logistics", "service", "packaging")
_WEAR = (*COMMON_ASPECTS, "size")
_FOOD = (*COMMON_ASPECTS, "taste")
_COLORS = ("black", "white", "grey", "blue", "red", "green")


@dataclass(frozen=True)
class Category:
    group: tuple[str, str]  # (zh, en)
    leaf: tuple[str, str]
    nouns: tuple[tuple[str, str], ...]
    brands: tuple[tuple[str, str], ...]
    features: tuple[tuple[str, str], ...]  # description sentences (zh, en)
    price_range: tuple[float, float]
    elasticity: float
    season: tuple[int, float] = (1, 0.0)  # (peak day of year, amplitude)
    aspects: tuple[str, ...] = COMMON_ASPECTS
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    queries: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # (zh, en)
    typos_zh: tuple[str, ...] = ()
    max_quantity: int = 1
    resellable: bool = False  # what a fraud ring buys: small, valuable, easy to resell
    weight: float = 1.0  # share of the catalog

    @property
    def path(self) -> str:
        return f"{self.group[0]} {self.group[1]} > {self.leaf[0]} {self.leaf[1]}"

    @property
    def key(self) -> str:
        return self.leaf[1].lower().replace(" ", "_").replace("-", "")


_ELEC = ("数码", "Electronics")
_WEAR_GROUP = ("服饰", "Apparel")
_FOOD_GROUP = ("食品饮料", "Food & Drinks")
_HOME = ("家居", "Home")
_BEAUTY = ("美妆", "Beauty")

CATEGORIES: tuple[Category, ...] = (
    Category(
        _ELEC, ("耳机", "Headphones"),
        (("无线蓝牙耳机", "Wireless Bluetooth Earbuds"),
         ("头戴式降噪耳机", "Noise-Cancelling Headphones"),
         ("运动耳机", "Sport Earphones"), ("有线耳机", "Wired Earphones")),
        (("声浪", "SoundWave"), ("悦听", "JoyEar"), ("极音", "PeakAudio")),
        (("续航30小时，支持快充", "30-hour battery with fast charging"),
         ("主动降噪，通勤更安静", "active noise cancelling for a quiet commute")),
        (99, 1299), -1.4, weight=1.2, resellable=True,
        attributes={"color": _COLORS[:3], "connectivity": ("Bluetooth 5.3", "wired USB-C")},
        queries=(("蓝牙耳机", "降噪耳机", "无线耳机 运动", "耳机推荐"),
                 ("bluetooth earbuds", "noise cancelling headphones", "wireless earphones",
                  "sport earbuds")),
        typos_zh=("蓝牙耳鸡", "降燥耳机")),
    Category(
        _ELEC, ("手机", "Smartphones"),
        (("5G智能手机", "5G Smartphone"), ("拍照手机", "Camera Phone"),
         ("折叠屏手机", "Foldable Phone")),
        (("星河", "Galaxis"), ("小禾", "Sprout"), ("远峰", "FarPeak")),
        (("6.7英寸高刷屏，5000mAh电池", "6.7-inch 120Hz screen and a 5000mAh battery"),
         ("一亿像素主摄，夜景清晰", "108MP main camera with sharp night shots")),
        (1499, 6999), -0.7, weight=1.0, resellable=True,
        attributes={"color": _COLORS[:4], "storage": ("128GB", "256GB", "512GB")},
        queries=(("5g手机", "拍照手机 推荐", "折叠屏手机", "手机 大电池"),
                 ("5g phone", "camera phone", "foldable phone", "smartphone 256gb")),
        typos_zh=("折叠平手机", "拍照手鸡")),
    Category(
        _ELEC, ("智能手表", "Smartwatches"),
        (("运动智能手表", "Sport Smartwatch"), ("健康监测手环", "Health Tracker Band")),
        (("星河", "Galaxis"), ("跃动", "PulseFit")),
        (("心率血氧全天监测", "all-day heart-rate and SpO2 tracking"),
         ("50米防水，游泳可戴", "water resistant to 50 m, swim-proof")),
        (299, 2999), -1.1, weight=0.8, resellable=True,
        attributes={"color": _COLORS[:3], "size": ("41mm", "45mm")},
        queries=(("智能手表", "运动手环", "手表 心率"),
                 ("smartwatch", "fitness tracker", "gps watch")),
        typos_zh=("智能手标",)),
    Category(
        _WEAR_GROUP, ("羽绒服", "Down Jackets"),
        (("加厚连帽羽绒服", "Hooded Down Jacket"), ("轻薄羽绒服", "Lightweight Down Jacket"),
         ("长款羽绒服", "Long Down Parka")),
        (("北境", "NorthLine"), ("暖岚", "WarmMist")),
        (("90%白鸭绒填充，零下20度也不怕", "90% white duck down, warm down to -20°C"),
         ("防泼水面料，轻便好收纳", "water-repellent shell that packs small")),
        (399, 1599), -1.0, season=(15, 2.0), aspects=_WEAR, weight=1.0,
        attributes={"color": _COLORS[:4], "size": ("S", "M", "L", "XL", "XXL")},
        queries=(("羽绒服", "羽绒服 女 长款", "轻薄羽绒服 男", "冬季外套"),
                 ("down jacket", "puffer jacket women", "winter coat", "long parka")),
        typos_zh=("羽绒付", "羽容服")),
    Category(
        _WEAR_GROUP, ("T恤", "T-Shirts"),
        (("纯棉短袖T恤", "Cotton Crew T-Shirt"), ("宽松印花T恤", "Oversized Graphic Tee")),
        (("素野", "PlainField"), ("城市", "UrbanCo")),
        (("100%新疆棉，柔软透气", "100% Xinjiang cotton, soft and breathable"),
         ("宽松版型，男女同款", "relaxed unisex fit")),
        (39, 199), -2.0, season=(182, 0.4), aspects=_WEAR, weight=1.0,
        attributes={"color": _COLORS, "size": ("S", "M", "L", "XL")},
        queries=(("t恤 纯棉", "短袖 男", "印花t恤"),
                 ("cotton t shirt", "graphic tee", "plain tshirt")),
        typos_zh=("t血 纯棉",), max_quantity=3),
    Category(
        _WEAR_GROUP, ("运动鞋", "Sneakers"),
        (("缓震跑步鞋", "Cushioned Running Shoes"), ("休闲板鞋", "Casual Court Sneakers")),
        (("疾风", "Swift"), ("踏云", "CloudStep")),
        (("轻量缓震中底，久跑不累", "light cushioned midsole for long runs"),
         ("耐磨橡胶大底，防滑", "hard-wearing non-slip rubber outsole")),
        (199, 999), -1.5, aspects=_WEAR, weight=1.0,
        attributes={"color": _COLORS[:3], "size": tuple(str(s) for s in range(38, 46))},
        queries=(("跑步鞋", "运动鞋 男", "小白鞋"),
                 ("running shoes", "white sneakers", "trainers")),
        typos_zh=("跑布鞋",)),
    Category(
        _FOOD_GROUP, ("冷饮", "Cold Drinks"),
        (("气泡水", "Sparkling Water"), ("冰红茶", "Iced Black Tea"), ("运动饮料", "Sports Drink")),
        (("清泉", "ClearSpring"), ("冰点", "FreezePoint")),
        (("0糖0卡，冰镇更好喝", "zero sugar, zero calories, best served chilled"),
         ("整箱装，家庭囤货", "a full case for the fridge")),
        (29, 99), -2.5, season=(196, 1.6), aspects=_FOOD, weight=1.0, max_quantity=4,
        attributes={"flavour": ("lemon", "peach", "original", "grape"),
                    "pack": ("330ml x 24", "500ml x 15")},
        queries=(("气泡水 整箱", "冰红茶", "饮料 0糖"),
                 ("sparkling water", "iced tea", "soda case")),
        typos_zh=("起泡水", "冰红查")),
    Category(
        _FOOD_GROUP, ("零食", "Snacks"),
        (("每日坚果", "Daily Mixed Nuts"), ("薯片大礼包", "Potato Chips Variety Pack")),
        (("果园", "Orchard"), ("香脆", "CrunchCo")),
        (("独立小包装，办公室常备", "single-serve packs for the office"),
         ("低温烘焙，香脆不腻", "slow roasted, crisp and not greasy")),
        (19, 89), -2.2, aspects=_FOOD, weight=1.0, max_quantity=4,
        attributes={"flavour": ("original", "sea salt", "spicy"), "weight": ("500g", "750g")},
        queries=(("每日坚果", "零食大礼包", "薯片"), ("mixed nuts", "snack box", "chips")),
        typos_zh=("每曰坚果",)),
    Category(
        _FOOD_GROUP, ("茶叶", "Tea"),
        (("明前龙井", "Longjing Green Tea"), ("熟普洱茶饼", "Ripe Pu-erh Cake"),
         ("铁观音", "Tieguanyin Oolong")),
        (("西湖", "WestLake"), ("云岭", "CloudRidge")),
        (("高山茶园，手工采摘", "hand-picked on high mountain gardens"),
         ("醇厚回甘，耐泡", "rich, sweet aftertaste, brews many times")),
        (59, 499), -0.8, season=(15, 0.3), aspects=_FOOD, weight=0.8, max_quantity=2,
        attributes={"grade": ("特级 premium", "一级 first grade"), "weight": ("100g", "250g")},
        queries=(("龙井茶", "普洱茶", "铁观音 送礼"), ("green tea", "pu erh tea", "oolong tea")),
        typos_zh=("龙井查",)),
    Category(
        _HOME, ("床品", "Bedding"),
        (("纯棉四件套", "Cotton Duvet Cover Set"), ("蚕丝被", "Silk-Filled Duvet")),
        (("眠", "SleepWell"), ("棉语", "CottonTalk")),
        (("60支长绒棉，亲肤不起球", "60s long-staple cotton, soft and pill-free"),
         ("四季通用，可机洗", "all-season and machine washable")),
        (99, 799), -1.2, weight=0.8,
        attributes={"size": ("1.5m", "1.8m", "2.0m"), "color": _COLORS[:3]},
        queries=(("四件套 纯棉", "蚕丝被", "床上用品"),
                 ("duvet cover set", "silk duvet", "bed sheets")),
        typos_zh=("四件套 纯绵",)),
    Category(
        _HOME, ("厨具", "Cookware"),
        (("不粘炒锅", "Non-Stick Wok"), ("铸铁炖锅", "Cast-Iron Casserole")),
        (("厨匠", "ChefCraft"), ("铁艺", "IronWorks")),
        (("少油烟不粘锅，燃气电磁炉通用", "low-smoke non-stick, works on gas and induction"),
         ("加厚锅底，受热均匀", "thick base for even heat")),
        (59, 599), -1.6, weight=0.8,
        attributes={"material": ("stainless steel", "cast iron", "non-stick"),
                    "diameter": ("28cm", "32cm")},
        queries=(("不粘锅", "炒锅", "铸铁锅"), ("non stick wok", "frying pan", "cast iron pot")),
        typos_zh=("不沾锅",)),
    Category(
        _BEAUTY, ("护肤", "Skincare"),
        (("保湿精华液", "Hydrating Serum"), ("温和洁面乳", "Gentle Facial Cleanser"),
         ("防晒霜", "Sunscreen SPF50")),
        (("水漾", "AquaGlow"), ("初研", "PureLab")),
        (("玻尿酸补水，敏感肌可用", "hyaluronic acid hydration, fine for sensitive skin"),
         ("无香精无酒精", "fragrance-free and alcohol-free")),
        (69, 899), -0.5, weight=1.0, max_quantity=2,
        attributes={"skin_type": ("dry", "oily", "sensitive", "all"), "volume": ("30ml", "100ml")},
        queries=(("保湿精华", "洗面奶", "防晒霜"),
                 ("hydrating serum", "face wash", "sunscreen spf50")),
        typos_zh=("防嗮霜", "洗面乃")),
)


def category_by_key(key: str) -> int:
    for index, category in enumerate(CATEGORIES):
        if category.key == key:
            return index
    raise KeyError(f"no demo category {key!r}; known: {', '.join(c.key for c in CATEGORIES)}")
