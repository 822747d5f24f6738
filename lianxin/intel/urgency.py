"""Urgency from the words of a demand: 特急 (critical), 紧急 (urgent) or 一般 (normal), with the evidence.

A *signal* is a phrase of one danger kind (`KINDS`: 落水, 电梯困人, 燃气泄漏, 火灾, 坠落, 自杀/自伤, 暴力,
群体性事件, 极端天气, 食物中毒, 危及生命, 坍塌, 触电, and the hazards, reported harm, vulnerable people
and outages of the first version) with the level it proposes when it is stated as happening now:
someone in the water, in a lift, in a fire, about to jump, a knife drawn, a crowd gathering → critical;
a hazard that can hurt by itself (bare live wires, a missing manhole cover, a cracked wall, a lift that
keeps trapping people), an assault or threat reported after the fact, a vulnerable person without care,
water or power cut now → urgent. Then the words around the phrase decide whether it counts:

1. *Inside another word*: the phrase must start and end on word boundaries of the jieba segmentation of
   its clause (text.tokens), so 轻生 does not count in 减轻生活, nor 被困 in 被困扰, nor 堵路 in 拥堵路段;
   a few compounds jieba does not know are listed (`_FALSE_FRIENDS`).
2. *A name, a topic or a quotation, not an event*: 跳楼价, 跳楼机, 燃气泄漏报警器, 防溺水教育, 家暴受害者,
   火灾隐患, 食物中毒的赔偿标准, a short quoted term (“杀人门”), a lift or a turnstile that 罢工.
3. *A figure of speech*: 吵死/急死/笑死/要命/想死的心都有, 不想活了哈哈.
4. *Negation* just before (没有/未/不会/并非/并未/无/排除…, allowing 发生/出现/人员 between): 没有生命危险.
5. *Reported* (新闻/电视上/听说/据报道/网上看到/外地…) or *hypothetical* (如果/万一/假如/一旦/担心/
   防止/以免/会不会/演练…) in the same sentence before it: not an event here and now. A warned mass
   incident (不要酿成群体性事件, 如果再不解决就集体上访) still proposes urgent; a threat to harm oneself
   or others made on a condition (再不发工资就跳楼) is a threat, and counts as stated.
6. *Past*: a year at least two years before the message (2013年…), or 曾经/去年/以前/当年/多年前… in the
   same sentence before it, unless 至今/现在/仍/一直… comes between: not happening now. A death
   (溺水身亡, 坠楼死亡) is an event that has ended: urgent at most.
7. *Recurring* (经常/多次/频繁/每逢…): a lift that often traps people is urgent, not critical; an outage
   or a flood that recurs but is not said to be happening now is normal.

Intel proposes, a person decides: the operator confirms or lowers the proposal. Texts are normalised
first (NFKC); traditional characters are read through `hanzi.to_simplified` (offsets unchanged); a
text longer than `text.MAX_CHARS` is read up to that length. Empty or non-Chinese texts find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from lianxin.intel.hanzi import to_simplified
from lianxin.intel.text import MAX_CHARS, normalize, tokens

# Every kind a signal can have, with its name as the operator reads it (Chinese).
KINDS: dict[str, str] = {
    "drowning": "落水溺水",
    "trapped": "被困（电梯困人等）",
    "gas_leak": "燃气泄漏",
    "fire": "火灾",
    "fall": "坠落、高空坠物",
    "self_harm": "轻生自伤",
    "violence": "暴力侵害",
    "mass": "群体性事件",
    "weather": "极端天气",
    "food_poisoning": "食物中毒",
    "life": "危及生命",
    "collapse": "坍塌、房屋开裂",
    "electric": "触电、漏电",
    "hazard": "安全隐患",
    "harm_reported": "人身伤害",
    "vulnerable": "困难群体",
    "outage": "停水停电停气",
}
# The kinds of the first version, by the level they used to propose. lianxin.analysis names these in
# its escalation notices; the kinds added since are in KINDS.
CRITICAL_KINDS = ("life", "self_harm", "violence", "mass")
URGENT_KINDS = ("hazard", "harm_reported", "vulnerable", "outage")
LEVELS = ("normal", "urgent", "critical")
_RANK = {level: i for i, level in enumerate(LEVELS)}

C, U = "critical", "urgent"
# kind -> {phrase: level when stated as happening now}
_PHRASES: dict[str, dict[str, str]] = {
    "drowning": dict.fromkeys(
        [
            "有人落水",
            "不慎落水",
            "失足落水",
            "掉落水中",
            "溺水",
            "掉进河里",
            "掉进水里",
            "掉进湖里",
            "掉进池塘",
            "掉进水塘",
            "掉到河里",
            "掉入河中",
            "掉进江里",
            "被水冲走",
            "在水里挣扎",
            "溺水身亡",
            "溺亡",
        ],
        C,
    ),
    "trapped": {
        **dict.fromkeys(
            [
                "电梯困人",
                "困人",
                "困在电梯",
                "被困电梯",
                "关在电梯",
                "卡在电梯",
                "电梯里困",
                "困在里面",
                "困在车里",
                "困在屋里",
                "困在家里",
                "出不来了",
                "被关在里面",
                "被反锁在",
            ],
            C,
        ),
        **dict.fromkeys(
            ["困人故障", "电梯下坠", "电梯坠落", "突然下坠", "急速下坠", "电梯下掉", "电梯冲顶", "电梯溜梯"],
            C,
        ),
        **dict.fromkeys(["被困"], U),
    },
    "gas_leak": dict.fromkeys(
        [
            "燃气泄漏",
            "燃气泄露",
            "煤气泄漏",
            "煤气泄露",
            "天然气泄漏",
            "天然气泄露",
            "液化气泄漏",
            "液化气泄露",
            "煤气味",
            "燃气味",
            "天然气味",
            "液化气味",
            "闻到煤气",
            "闻到燃气",
            "闻到天然气",
            "煤气罐漏气",
            "燃气漏气",
            "煤气漏气",
            "天然气漏气",
            "正在漏气",
        ],
        C,
    ),
    "fire": {
        **dict.fromkeys(
            [
                "着火",
                "起火",
                "失火",
                "大火",
                "火势",
                "浓烟",
                "火光",
                "烧起来",
                "爆炸",
                "爆燃",
                "冒烟",
                "冒火",
                "火灾",
            ],
            C,
        ),
        **dict.fromkeys(["短路起火", "烧焦味"], U),
    },
    "fall": {
        **dict.fromkeys(["坠楼", "坠落", "跌落", "摔下来", "掉下去了", "砸到人", "砸中", "砸伤人"], C),
        **dict.fromkeys(
            [
                "高空坠物",
                "随时可能掉下",
                "随时会掉下",
                "摇摇欲坠",
                "护栏断裂",
                "栏杆断裂",
                "护栏损坏",
                "栏杆断了",
                "护栏断了",
            ],
            U,
        ),
    },
    "self_harm": dict.fromkeys(
        [
            "上吊自杀",
            "自杀身亡",
            "吞了一瓶安眠药",
            "自杀",
            "轻生",
            "跳楼",
            "跳河",
            "跳江",
            "跳湖",
            "跳桥",
            "割腕",
            "服毒",
            "喝农药",
            "吃安眠药",
            "吞安眠药",
            "吃了一瓶安眠药",
            "吞了安眠药",
            "上吊",
            "寻死",
            "不想活",
            "活不下去",
            "了结自己",
            "结束自己的生命",
            "结束生命",
            "了结生命",
            "一死了之",
            "以死相逼",
            "以死明志",
            "留下遗书",
            "写了遗书",
            "从楼顶跳下",
            "楼顶跳下",
        ],
        C,
    ),
    "violence": {
        **dict.fromkeys(
            [
                "杀人",
                "砍人",
                "持刀",
                "拿刀",
                "拿着刀",
                "提着刀",
                "举着刀",
                "刀砍",
                "捅人",
                "捅伤",
                "要杀",
                "杀了我",
                "弄死",
                "打死",
                "同归于尽",
                "报复社会",
                "家暴",
                "家庭暴力",
                "被绑架",
                "绑架了",
                "强奸",
                "性侵",
                "非法拘禁",
                "行凶",
                "持械",
                "斗殴",
                "群殴",
                "砸门",
                "头破血流",
            ],
            C,
        ),
    },
    "mass": dict.fromkeys(
        [
            "群体性事件",
            "群体事件",
            "集体上访",
            "聚集",
            "围堵",
            "堵门",
            "拉横幅",
            "打横幅",
            "拉起横幅",
            "静坐",
            "游行",
            "示威",
            "罢工",
            "罢课",
            "罢运",
            "罢市",
            "集体讨薪",
            "打砸",
            "械斗",
            "暴乱",
            "冲击政府",
            "集体堵路",
            "集体维权",
            "堵工",
            "聚众闹事",
            "聚众滋事",
            "聚众围堵",
            "聚众冲击",
        ],
        C,
    ),
    "weather": {
        **dict.fromkeys(["山体滑坡", "泥石流", "山洪", "被洪水", "洪水冲", "房子被埋", "被埋"], C),
        **dict.fromkeys(
            [
                "内涝",
                "被淹",
                "倒灌",
                "水漫进",
                "进水了",
                "积水一米",
                "积水齐腰",
                "树倒了",
                "大树倒",
                "树木倒伏",
            ],
            U,
        ),
    },
    "food_poisoning": dict.fromkeys(["食物中毒", "集体中毒", "上吐下泻", "中毒"], C),
    "life": dict.fromkeys(
        [
            "命悬一线",
            "快不行了",
            "昏迷不醒",
            "昏迷",
            "晕倒",
            "休克",
            "窒息",
            "大出血",
            "呼吸困难",
            "心脏骤停",
            "突发心脏病",
            "脑溢血",
            "不省人事",
            "叫不醒",
            "病危",
            "一氧化碳中毒",
            "煤气中毒",
            "老人走失",
            "孩子走失",
            "小孩走失",
            "走失",
            "好几天没出门",
            "几天没出门",
            "敲门没人应",
            "敲门也没人应",
        ],
        C,
    )
    | dict.fromkeys(["有生命危险", "生命危险", "危及生命"], U),
    "collapse": {
        **dict.fromkeys(["塌了下来", "砸到了人", "压在下面", "被压在"], C),
        **dict.fromkeys(
            [
                "倒塌",
                "坍塌",
                "垮塌",
                "塌方",
                "塌陷",
                "危房",
                "濒临倒塌",
                "濒临坍塌",
                "随时可能倒塌",
                "随时会倒",
                "随时可能垮",
                "马上要塌",
                "墙体开裂",
                "墙体裂缝",
                "墙体断裂",
                "房屋开裂",
                "房屋裂缝",
                "地基下沉",
                "楼房倾斜",
                "房屋倾斜",
                "深裂缝",
                "裂缝越来越大",
                "剪力墙",
            ],
            U,
        ),
    },
    "electric": {
        **dict.fromkeys(["触电", "被电死", "电死", "冒火花", "打火花", "电线着火"], C),
        **dict.fromkeys(
            [
                "电线裸露",
                "裸露的电线",
                "电缆裸露",
                "线头裸露",
                "铜线都露出来",
                "铜线露出来",
                "漏电",
                "电线掉在",
                "电线垂落",
                "电线掉落",
                "高压线断",
                "电线断了",
            ],
            U,
        ),
    },
    "hazard": dict.fromkeys(
        [
            "没有井盖",
            "左拐弯绿灯全部坏了",
            "路面塌陷",
            "危险化学品",
            "化学品泄漏",
            "有毒气体泄漏",
            "污染饮用水",
            "饮用水被污染",
            "盖板塌了",
        ],
        U,
    ),
    "harm_reported": dict.fromkeys(
        [
            "殴打",
            "暴打",
            "毒打",
            "打人",
            "打伤",
            "被打",
            "围殴",
            "打成重伤",
            "打得",
            "拳打脚踢",
            "挥起拳脚",
            "耳光",
            "抢劫",
            "猥亵",
            "性骚扰",
            "被砍",
            "被刺",
            "还要打人",
            "要打我",
            "要打死我",
        ],
        U,
    ),
    "vulnerable": dict.fromkeys(
        [
            "无人照顾",
            "没人照顾",
            "无人照料",
            "没人照料",
            "无人看护",
            "没人管的老人",
            "生活无着落",
            "无家可归",
            "露宿街头",
            "吃不上饭",
            "没饭吃",
            "断粮",
            "瘫痪在床",
            "卧床不起",
        ],
        U,
    ),
    "outage": dict.fromkeys(
        [
            "停水",
            "停电",
            "断水",
            "断电",
            "停气",
            "没水用",
            "无水可用",
            "没有水用",
            "没电用",
            "没有暖气",
            "不供暖",
            "停暖",
            "没有燃气",
            "无法使用天然气",
            "天然气无法使用",
        ],
        U,
    ),
}
# Phrases that contain a signal but are not one (jieba leaves some of them in two words).
_FALSE_FRIENDS = (
    "静坐式",
    "堵路口",
    "拥堵路",
    "消防",
    "防火",
    "抢救室",
    "急救中心",
    "急救站",
    "强奸民意",
    "一哭二闹三上吊",
    "暴征暴拆",
    "绑架民意",
    "道德绑架",
    "被打回",
    "被打洞",
    "被打破",
    "被打碎",
    "被打湿",
    "被打翻",
    "被打断",
    "被打乱",
    "被打掉",
    "被打穿",
    "被打折",
    "被打扰",
    "被打击",
    "被打上",
    "被打开",
    "被打通",
    "被打包",
    "被打卡",
    "被打分",
    "被打电话",
    "打人民",
    "落水管",
    "落水口",
    "落水斗",
    "落水狗",
    "共同落水",
    "杀人门",
    "跳楼价",
    "跳楼机",
    "跳楼甩卖",
    "跳楼大甩卖",
    "杀人不见血",
    "聚集地",
    "聚集区",
    "聚集性",
    "人员聚集",
    "车辆聚集",
    "游行道",
    "示威性",
    "示威者",
    "昏迷状态下",
    "中毒性",
    "慢性自杀",
    "被困扰",
    "困扰",
    "被困境",
    "打得火热",
    "打得过",
    "打得起",
    "打得到",
    "打得通",
    "打得开",
    "大火锅",
    "大火车",
    "大火车站",
    "围堵消防",
    "停电车",
    "停电动车",
    "停电瓶车",
    "停水泥",
    "断电话",
    "走失物",
    "走失业",
    "联系不上他们的",
    "罢工资",
    "烧起来的",
)
# A topic or a thing named after the danger, not the danger: right after the phrase (的 allowed between).
_TOPIC_AFTER = re.compile(
    r"的?(?:救援|事故|安全|应急|防范|防治)?(?:报警器|报警装置|报警|探测器|演练|演习|预案|应急|讲座|教育|宣传|知识|培训|保险|险种?|赔偿标准|赔付|标准|"
    r"隐患|风险|危险|可能性|危险性|防范|预防|防控|逃生|自救|案件|案子|案|罪|犯|受害者|受害人|问题的政策|率|片|剧|游戏|"
    r"电影|小说|事件的处置|事故的处理|政策|补贴|咨询|鉴定|认定|责任险|赔偿金|抚恤)"
)
_TOPIC_BEFORE = re.compile(r"(?:防|预防|防范|反|抗|防止|谨防|远离|关于|如何|怎样|怎么|应对|处置)$")
# A figure of speech around the phrase (the phrase is usually 不想活/想死/要命 or a strike of a machine).
_FIGURES = re.compile(
    r"(?:[吵急烦笑热冷累气吓饿闷臭挤堵困渴穷忙]死(?:了|人|我)?|要命|要人命|想死的心|真的不想活了哈|不想活了哈|"
    r"简直要命|死的心都有|的要死|得要死|差得要死)"
)
_MACHINE_STRIKE = re.compile(
    r"(?:电梯|闸机|机器|空调|电脑|手机|设备|系统|车|网络|打印机|路灯|热水器|门禁|充电桩|水泵)"
)
_NEGATION = re.compile(
    r"(?:没有|没|未|无|不会|不是|并非|并未|并没有|不存在|排除|谈不上|不至于|未曾|从未|从没|不再|未见|尚未)"
    r"(?:发生|出现|发现|造成|引起|导致|有人|有|人员|人|再|过|了|被|任何|其他|真的|什么){0,2}$"
)
_REPORTED = re.compile(
    r"(?:新闻|报道|电视上|电视里|电视台|网上看到|网上说|网传|听说|据说|据报道|据统计|据不完全统计|据媒体|媒体|"
    r"外地|外省|国外|别的小区|其他小区|隔壁小区|别的城市|其他城市|某市|某地|曝光|视频里|朋友圈|抖音|微博|"
    r"电影|小说|历史上|史上)"
)
_HYPOTHETICAL = re.compile(
    r"(?:如果|万一|假如|倘若|若是|若有|要是|如若|假设|一旦|以防|防止|预防|避免|以免|谨防|担心|害怕|恐怕|生怕|怕|"
    r"会不会|是否会|可能会|可能|容易|极易|易发|很容易|随时|势必|必然会|迟早会|早晚会|将会|将|会|演练|演习|模拟|"
    r"不要|不能|酿成|后果|险些|差点|差一点|防患|存在|隐患|风险|如何|怎么办|能否|是否|请问|说不定|指不定|"
    r"提心吊胆|担忧|忧虑|才会|就会|不至于|估计|咨询|想了解|想问|建议|希望|应当|应该|须|需要)"
)
_HYPOTHETICAL_AFTER = re.compile(r"^(?:后?才|后?就会|才能|将会|将对|将|会|估计|时[，,]|的时候|之时)")
_CONSEQUENCE_AFTER = re.compile(r"(?:将会|就会|会是|的话|怎么办|不堪设想|谁负责|谁来负责|发生时|的时候|之时)")
# a condition anywhere earlier in the sentence: 一旦任一住户出现火情，……入户门难以抵挡火势
_STRONG_HYPOTHETICAL = re.compile(
    r"(?:一旦|如果|万一|假如|倘若|假设|若是|要是|若(?!干)|只有|如发生|如遇|如有|如出现)"
)
_CAUSED = re.compile(r"(?:引起|引发|酿成|导致|造成|激化|演变成|演变为)")
_RESOLVED_AFTER = re.compile(r"(?:幸亏|幸好|后被制止|被制止|被劝|被救|获救|脱离危险|脱离生命危险)")
_FUTURE = re.compile(r"(?:要|将要|即将|计划|准备|拟|预计|将)$")
_DATED = re.compile(
    r"(?:[0-9]{1,2}月[0-9]{1,2}[日号]|(?<![0-9.])[0-9]{1,2}/[0-9]{1,2}(?![0-9])|昨天|昨晚|前天|前几天|上周|上星期|上个月|"
    r"那天|当天|当晚|事发|当日)"
)
_NOW = re.compile(r"(?:今天|现在|正在|刚才|刚刚|此刻|目前|还在|仍|马上|快来|赶快|赶紧|紧急求助|求救)")
_INTENT = re.compile(r"(?:要|想|准备|打算|扬言|企图|试图|欲|正在|站在|爬上|就|去|说)$")
_SELF_HARM_ACTS = frozenset({"自杀", "跳楼", "跳河", "跳江", "跳湖", "跳桥", "上吊", "上吊自杀", "自杀身亡"})
_IN_CARE = re.compile(r"(?:医院|住院|ICU|重症|监护室|抢救|病房|治疗)")
_NOT_PHYSICAL = re.compile(r"(?:价|股|成绩|排名|业绩|人气|温度|气温|信心|水平|质量)")
_RECURRING_AFTER = re.compile(r"^[^，,。]{0,3}?[0-9一二三四五六七八九十几多两]+[次回遍]")
# Cues that mark a condition: a threat made on it still counts (再不发工资就跳楼).
_CONDITIONAL = re.compile(r"(?:如果|假如|要是|若是|倘若|再不|否则|不然|不给|不发|不解决|不处理|不还)")
_PAST = re.compile(
    r"(?:曾经|曾|去年|前年|以前|之前|过去|当年|那年|早年|多年前|几年前|[0-9一二三四五六七八九十两几多]+年前|上世纪|"
    r"小时候|当时|那时|那次|上次|此前|发生过|出现过|有过|经历过)"
)
_ONGOING = re.compile(
    r"(?:至今|到现在|到目前|现在|目前|仍然|仍|依然|依旧|还在|还是|一直|正在|今天|刚才|刚刚|此刻|马上)"
)
_RECURRING = re.compile(
    r"(?:下雨时|下雨天|雨天|一下雨|一下大雨|有时|有时候|几次|好几次|数次|经常|多次|频繁|屡次|屡屡|时常|常常|总是|总会|老是|多发|时有|隔三差五|三天两头|每次|每逢|每到|一到|每年|动不动)"
)
_CURRENT = re.compile(
    r"(?:现在|目前|至今|仍然|仍|依然|还在|这几天|近几天|近期|最近|今天|已经[^，,。]{0,6}天|连续|正在)"
)
_ENDED_AFTER = re.compile(r"(?:身亡|死亡|去世|遇难|丧生|致死|离世)")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;，,、：:\n（）()“”\"'《》【】\[\]\s]")
_QUOTES = (("“", "”"), ("「", "」"), ('"', '"'), ("『", "』"), ("‘", "’"), ("《", "》"))

# A crowd doing something: 村民堵路, 几十名工人围在政府门口, 商户会上访.
_CROWD = re.compile(
    r"(?:村民|群众|工人|民工|农民工|业主|居民|家属|人群|商户|学生|家长|职工|员工|司机|出租车|几十人|几十名|上百人|上百名|"
    r"数百人|数百名|两百多|几百人|几百名|多名|大批)[^。，,！!？?]{0,12}?"
    r"(?P<act>堵路|堵住(?:了)?(?:马路|道路|路口|大门|校门|政府|公司)|封路|拦路|拦车|堵在|围在|聚在|冲进|冲击|上访|集体去|"
    r"一起去|讨说法)"
)
# A thing falling, or about to (no person in between: 脚手架上有工人坠落 is a person): 瓷砖往下掉, 广告牌松了.
_FALLING_THING = re.compile(
    r"(?:瓷砖|玻璃|外墙|墙皮|墙砖|广告牌|招牌|空调外机|窗户|窗框|树枝|砖块|钢筋|脚手架|构件|水泥块|石块|瓦片|墙面|外立面|"
    r"吊顶|天花板|塔吊|吊臂|防盗网)[^，,。！!？?；;人]{0,5}?(?P<act>往下掉|掉下来|掉下|掉落|坠落|砸下|倒下|松动|松了|"
    r"摇摇欲坠)"
)
_RAILING = re.compile(
    r"(?:护栏|栏杆|围栏|扶手)[^，,。！!？?；;]{0,4}?(?P<act>断了|断裂|坏了|撞坏|损坏|缺失|没了|倒了|松动|脱落|锈断)"
)
_MANHOLE = re.compile(
    r"(?:井盖|窨井盖|下水道盖|雨水篦子)[^，,。！!？?；;]{0,4}?(?P<act>丢失|缺失|丢了|被盗|损坏|破损|坏了|塌陷|不见了|没了|"
    r"移位|翻转|塌了)"
)
_SIGNALS_DEAD = re.compile(
    r"(?:红绿灯|信号灯|交通灯)[^，,。！!？?；;]{0,4}?(?P<act>不亮|坏了|全部坏|灭了|故障|失灵)"
)
_GAS = re.compile(
    r"(?:燃气|煤气|天然气|液化气)[^，,。！!？?；;]{0,8}?(?P<act>漏气|泄漏|泄露|挖断|破裂|爆管)|"
    r"(?P<cut>挖断|挖破|撞断|弄断)了?[^，,。]{0,3}(?:燃气|煤气|天然气)管"
)
_CROWD_GOING = re.compile(r"集体(?:去|到)[^，,。！!？?]{0,6}?(?:政府|上访|讨说法|讨薪|静坐|请愿|信访)")
_THREAT = re.compile(r"(?:扬言|威胁|叫嚣|声称|说)要?(?P<act>打死|砍死|杀了|弄死|捅死|杀死|砍|杀)")
_HIT_THREAT = re.compile(r"(?:扬言|威胁|叫嚣|声称|总是说|说)要?(?P<act>打我|打人|揍|报复|收拾)")
# A person where a fall or a jump is near: 小孩爬到8楼窗台外, 有人坐在楼顶边缘.
_AT_RISK = re.compile(
    r"(?:小孩|孩子|幼儿|婴儿|老人|病人|患者)[^，,。！!？?]{0,6}?(?P<act>(?:爬到|爬上|站在|坐在)[^，,。]{0,4}?(?:窗台|阳台外|窗外)|"
    r"悬在|挂在窗外)"
)
_ON_THE_EDGE = re.compile(
    r"(?P<act>(?:坐在|站在|爬上|爬到|翻过)[^，,。]{0,6}?(?:楼顶边缘|天台边缘|楼顶边上|楼顶护栏外|桥栏杆外|栏杆外面|桥栏外))"
)
_INTO_WATER = re.compile(
    r"(?:人|孩|童|老人|男子|女子|学生|游客|司机|村民|车)[^，,。！!？?]{0,4}?(?P<act>落水|掉进(?:了)?(?:河|江|湖|水|池塘|水塘|鱼塘)|掉入(?:了)?(?:河|江|湖|水))"
)
_TRAPPED_IN = re.compile(r"(?P<act>被困在[^，,。！!？?]{1,8}?(?:里|内|中|下面|底下))")
_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (  # in the order of _ANCHORS
    (_CROWD, "mass", C),
    (_CROWD_GOING, "mass", C),
    (_FALLING_THING, "fall", U),
    (_RAILING, "fall", U),
    (_MANHOLE, "hazard", U),
    (_SIGNALS_DEAD, "hazard", U),
    (_GAS, "gas_leak", C),
    (_THREAT, "violence", C),
    (_HIT_THREAT, "harm_reported", U),
    (_AT_RISK, "fall", C),
    (_ON_THE_EDGE, "self_harm", C),
    (_TRAPPED_IN, "trapped", C),
    (_INTO_WATER, "drowning", C),
)
# words each pattern needs (a text without any of them is not searched with it)
_ANCHORS: tuple[tuple[str, ...], ...] = (
    ("堵", "封路", "拦", "围在", "聚在", "冲", "上访", "去", "讨说法"),
    ("集体",),
    ("掉", "坠", "砸", "倒下", "松", "摇摇欲坠"),
    ("栏", "扶手"),
    ("井盖", "篦子", "下水道盖"),
    ("灯",),
    ("气",),
    ("扬言", "威胁", "叫嚣", "声称", "说"),
    ("扬言", "威胁", "叫嚣", "声称", "说"),
    ("爬", "站在", "坐在", "悬在", "挂在"),
    ("坐在", "站在", "爬", "翻过"),
    ("被困在",),
    ("落水", "掉进", "掉入"),
)
_PHRASE_INFO = {
    phrase: (kind, level) for kind, phrases in _PHRASES.items() for phrase, level in phrases.items()
}
_PATTERN = re.compile("|".join(re.escape(p) for p in sorted(_PHRASE_INFO, key=len, reverse=True)))
_FF_PATTERN = re.compile("|".join(re.escape(p) for p in sorted(_FALSE_FRIENDS, key=len, reverse=True)))
# kinds whose hypothetical mention still proposes urgent (a warned mass incident), and kinds whose
# conditional threat counts as stated (再不发工资就跳楼, 再不还钱就弄死你)
_WARNED_KINDS = frozenset({"mass"})
_THREAT_KINDS = frozenset({"self_harm", "violence", "harm_reported"})
# kinds that stay critical when recurring (none): recurring critical → urgent; recurring urgent → normal
# unless said to be happening now (现在/至今/连续…)


@dataclass(frozen=True)
class Signal:
    """One piece of evidence: its kind, the phrase as written and where it is in the normalised text;
    `level` is what it proposes, `note` how its context changed that (recurring, ended, warned…)."""

    kind: str
    phrase: str
    start: int
    end: int
    level: str = "critical"
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "phrase": self.phrase,
            "start": self.start,
            "end": self.end,
            "level": self.level,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Urgency:
    """The proposed urgency (`normal` | `urgent` | `critical`), the signals behind it, and the phrases
    that were found but did not count (`ignored`, each with the reason in `note`)."""

    level: str
    signals: list[Signal] = field(default_factory=list)
    ignored: list[Signal] = field(default_factory=list)
    notes: tuple[str, ...] = ()

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.signals})

    @property
    def evidence(self) -> list[Signal]:
        """The signals with each (kind, phrase) once, strongest first, then first place first: a phrase
        that stands in the title and again in the details is one piece of evidence, not two."""
        seen: set[tuple[str, str]] = set()
        distinct = []
        for signal in sorted(self.signals, key=lambda s: (-_RANK[s.level], s.start)):
            if (signal.kind, signal.phrase) not in seen:
                seen.add((signal.kind, signal.phrase))
                distinct.append(signal)
        return distinct

    @property
    def reason(self) -> str:
        """The first five pieces of evidence as `kind: phrase; …` (stored; `reason_signals` reads it
        back)."""
        return "; ".join(f"{s.kind}: {s.phrase}" for s in self.evidence[:5])


def reason_signals(reason: str) -> list[tuple[str, str]]:
    """The (kind, phrase) pairs of a stored `Urgency.reason`."""
    pairs = []
    for part in filter(None, (p.strip() for p in reason.split("; "))):
        kind, _, phrase = part.partition(": ")
        pairs.append((kind, phrase or kind))
    return pairs


def detect_urgency(text: str | None, *, asked_at: date | datetime | None = None) -> Urgency:
    """Propose an urgency for `text` from the signals found in it (see the module rules).

    `asked_at` is when the text was written (default: today); a year two or more before it marks a
    past event. Never raises.
    """
    body = normalize(text)
    if not body:
        return Urgency("normal")
    notes: list[str] = []
    if len(body) > MAX_CHARS:
        notes.append(f"text too long ({len(body)} characters): only the first {MAX_CHARS} were read")
        body = body[:MAX_CHARS]
    simplified = to_simplified(body)
    if simplified != body:
        notes.append("traditional characters read as simplified")
    year = (asked_at or date.today()).year
    signals: list[Signal] = []
    ignored: list[Signal] = []
    for kind, _phrase, start, end, level, from_pattern in _candidates(simplified):
        verdict = _judge(simplified, kind, start, end, level, year, checked=from_pattern or end - start > 3)
        signal = Signal(kind, body[start:end], start, end, verdict[0] or level, verdict[1])
        (signals if verdict[0] else ignored).append(signal)
    level = max((s.level for s in signals), key=_RANK.__getitem__, default="normal")
    return Urgency(level, signals, ignored, tuple(notes))


def _candidates(text: str) -> list[tuple[str, str, int, int, str, bool]]:
    """(kind, phrase, start, end, level, from_pattern) of every phrase and pattern found, in order."""
    blocked = [m.span() for m in _FF_PATTERN.finditer(text)]
    found: list[tuple[str, str, int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for (pattern, kind, level), anchors in zip(_PATTERNS, _ANCHORS):
        if not any(a in text for a in anchors):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            found.append((kind, match.group(0), start, end, level, True))
            taken.append((start, end))
    for match in _PATTERN.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in taken + blocked):
            continue
        kind, level = _PHRASE_INFO[match.group(0)]
        found.append((kind, match.group(0), start, end, level, False))
    return sorted(found, key=lambda f: f[2])


def _dismissed(
    text: str,
    kind: str,
    start: int,
    end: int,
    before: str,
    after: str,
    clause: str,
    year: int,
    *,
    checked: bool,
) -> str:
    """Why the phrase at [start, end) is not an event here and now ("" when it may be one)."""
    phrase = text[start:end]
    if not checked and not _on_word_boundaries(text, start, end):
        return "inside_word"
    if _quoted(text, start, end):
        return "quoted"
    if _TOPIC_AFTER.match(after) or _TOPIC_BEFORE.search(before[-4:]):
        return "topic"
    if kind in ("self_harm", "life", "violence") and _FIGURES.search(text[max(0, start - 3) : end + 4]):
        return "figure"
    if kind == "mass" and phrase == "罢工" and _MACHINE_STRIKE.search(before[-12:]):
        return "figure"
    if kind == "fall" and _NOT_PHYSICAL.search(before[-4:]):
        return "figure"
    if _NEGATION.search(before[-7:]):
        return "negated"
    if _REPORTED.search(before):
        return "reported"
    if _is_past(before, clause, year):
        return "past"
    return ""


def _judge(
    text: str, kind: str, start: int, end: int, level: str, year: int, *, checked: bool = False
) -> tuple[str, str]:
    """(level, note) for a phrase found at [start, end): level "" when it does not count. `checked`:
    the phrase needs no word-boundary check (a pattern's match, or four characters or more)."""
    sentence_start = max(
        (m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 120), start)), default=0
    )
    sentence_start = max(sentence_start, start - 120)
    end_match = _SENTENCE_END.search(text, end)
    sentence_end = min(end_match.start() if end_match else len(text), end + 60)
    before = text[sentence_start:start]
    after = text[end:sentence_end]
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0) :]
    phrase = text[start:end]
    dismissed = _dismissed(text, kind, start, end, before, after, clause, year, checked=checked)
    if dismissed:
        return "", dismissed
    if kind == "mass" and _CAUSED.search(before[-16:]):
        return U, "warned"
    if (
        _HYPOTHETICAL.search(before[-24:])
        or _STRONG_HYPOTHETICAL.search(before)
        or _HYPOTHETICAL_AFTER.match(after.lstrip("了"))
        or _CONSEQUENCE_AFTER.search(after[:10])
    ):
        if kind in _THREAT_KINDS and _CONDITIONAL.search(before):
            return (C if kind != "harm_reported" else U), "conditional"
        if kind in _WARNED_KINDS:
            return U, "warned"
        return "", "hypothetical"
    if kind not in _THREAT_KINDS and _FUTURE.search(before[-4:]):
        return "", "planned"
    if _ENDED_AFTER.match(after) or phrase.endswith(("身亡", "溺亡")) or _RESOLVED_AFTER.search(after[:12]):
        return U, "ended"
    recurring = _RECURRING.search(before[-16:]) or _RECURRING_AFTER.match(after)
    if recurring:
        if level == C:
            return U, "recurring"
        if not _CURRENT.search(before) and not _CURRENT.search(after[:12]):
            return "", "recurring"
    if level == C:
        demoted = _demoted(kind, phrase, before, after)
        if demoted:
            return U, demoted
    return level, ""


def _demoted(kind: str, phrase: str, before: str, after: str) -> str:
    """Why a critical phrase proposes only urgent ("" when it stays critical)."""
    if re.match(r"等[，,。、对]", after) or (kind == "fall" and "电梯" in before[-30:]):
        return "listed"
    if kind == "self_harm" and phrase in _SELF_HARM_ACTS and not _INTENT.search(before[-6:]):
        return "reported_act"
    if kind == "self_harm" and re.match(r"的?(?:念头|倾向|表现|举动|想法|行为)", after):
        return "risk_sign"
    if kind == "life" and (_IN_CARE.search(before[-30:]) or _IN_CARE.search(after[:20])):
        return "in_care"
    if _DATED.search(before) and not _NOW.search(before) and not _NOW.search(after[:20]):
        return "dated"
    return ""


def _is_past(before: str, clause: str, year: int) -> bool:
    """A year before the message's in the sentence, or a past cue in the clause, with no 至今/现在…
    between it and the phrase."""
    cue_end = -1
    for match in _YEAR.finditer(before):
        if int(match.group(1)) < year:
            cue_end = max(cue_end, match.end())
    offset = len(before) - len(clause)
    for match in _PAST.finditer(clause):
        cue_end = max(cue_end, offset + match.end())
    if cue_end < 0:
        return False
    return not _ONGOING.search(before, cue_end)


def _quoted(text: str, start: int, end: int) -> bool:
    for left, right in _QUOTES:
        opening = text.rfind(left, max(0, start - 6), start)
        if opening < 0:
            continue
        closing = text.find(right, end, end + 6)
        if closing >= 0 and closing - opening <= 12:
            return True
    return False


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Do [start, end) start and end on word boundaries of jieba's segmentation of its clause?"""
    left = max(
        (m.end() for m in _CLAUSE_END.finditer(text, max(0, start - 12), start)), default=max(0, start - 12)
    )
    right_match = _CLAUSE_END.search(text, end, min(len(text), end + 12))
    right = right_match.start() if right_match else min(len(text), end + 12)
    window = text[left:right]
    words = tokens(window, drop_stopwords=False)
    if sum(map(len, words)) != len(window):
        return True  # the segmenter dropped something (symbols): do not judge
    cuts = {0}
    position = 0
    for word in words:
        position += len(word)
        cuts.add(position)
    return (start - left) in cuts and (end - left) in cuts
