"""Demo publishing site: sections with top and footer navigation, policy explanations, law explanations and
work news with tags, several linked to demand categories (知识库). Written by `editor`, approved by `editor2`
through the same services as the editing UI, so revisions and review are real."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from lianxin.core.demo import DemoContext
from lianxin.org.models import Category as DemandCategory
from lianxin.portal import services
from lianxin.portal.models import ArticleKind, PortalCategory, RevisionAction

CATEGORIES = [
    # name, slug, top nav, footer nav
    ("政策解读", "policy", True, True),
    ("法规讲解", "law", True, True),
    ("工作动态", "news", True, True),
    ("通知公告", "notice", True, False),
    ("理论学习", "study", True, True),
    ("便民服务", "service", False, True),
]


class ArticleSpec(TypedDict):
    title: str
    category: str  # slug of CATEGORIES
    kind: str
    tags: str
    demand: list[tuple[str, str]]  # (level 1, level 2) names of demand categories
    source: str
    paragraphs: list[str]


ARTICLES: list[ArticleSpec] = [
    {
        "title": "一图读懂：城镇老旧小区改造怎么改、谁来改",
        "category": "policy",
        "kind": ArticleKind.POLICY,
        "tags": "老旧小区 改造 住房",
        "demand": [("城乡建设", "住房保障与房地产"), ("城乡建设", "城市建设和市政管理")],
        "source": "市住房和城乡建设局",
        "paragraphs": [
            "城镇老旧小区改造分为基础类、完善类、提升类三类。基础类改造包括水电气路和消防设施的更新，由政府补助为主。",
            "改造前须征求居民意见，居民同意率达到三分之二以上方可实施。改造方案、资金使用情况在小区内公示。",
            "居民对改造有意见建议的，可拨打12345热线或通过连心平台反映，承办单位在规定时限内答复。",
        ],
    },
    {
        "title": "城乡居民基本医疗保险参保缴费政策问答",
        "category": "policy",
        "kind": ArticleKind.POLICY,
        "tags": "医疗保险 社保 参保缴费",
        "demand": [("劳动和社会保障", "城镇居民社会保险")],
        "source": "市医疗保障局",
        "paragraphs": [
            "城乡居民医保每年集中缴费期为9月至12月，缴费后次年1月1日起享受待遇。新生儿出生后90日内参保的，自出生之日起享受待遇。",
            "低保对象、特困人员的个人缴费部分由医疗救助资金全额资助，无需个人缴纳。",
            "异地长期居住人员可办理异地就医备案，备案后在就医地直接结算医疗费用。",
        ],
    },
    {
        "title": "灵活就业人员如何参加职工养老保险",
        "category": "policy",
        "kind": ArticleKind.POLICY,
        "tags": "养老保险 就业 社保",
        "demand": [("劳动和社会保障", "城镇职工社会保险"), ("劳动和社会保障", "就业培训")],
        "source": "市人力资源和社会保障局",
        "paragraphs": [
            "无雇工的个体工商户、未在用人单位参加社会保险的非全日制从业人员以及其他灵活就业人员，可以参加职工基本养老保险。",
            "缴费基数在全省上年度全口径城镇单位就业人员平均工资的60%至300%之间自愿选择，可按月、按季或按年缴纳。",
        ],
    },
    {
        "title": "《劳动合同法》讲解：拖欠工资怎么办",
        "category": "law",
        "kind": ArticleKind.LAW,
        "tags": "劳动合同法 工资 维权",
        "demand": [("劳动和社会保障", "工资福利"), ("劳动和社会保障", "劳动关系")],
        "source": "市司法局",
        "paragraphs": [
            "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。拖欠或者未足额支付的，劳动者可以依法向当地人民法院申请支付令。",
            "劳动者也可以向劳动保障监察机构投诉，或者申请劳动争议仲裁。农民工工资被拖欠的，可拨打12345热线反映，由人社部门督办。",
        ],
    },
    {
        "title": "《物业管理条例》讲解：业主委员会与物业服务",
        "category": "law",
        "kind": ArticleKind.LAW,
        "tags": "物业管理 业主委员会 小区管理",
        "demand": [("城乡建设", "城市建设和市政管理")],
        "source": "市司法局",
        "paragraphs": [
            "业主大会决定选聘和解聘物业服务企业，业主委员会是业主大会的执行机构。物业服务企业应当按照合同约定提供服务。",
            "物业服务收费应当遵循合理、公开以及费用与服务水平相适应的原则，收费标准应当在小区显著位置公示。",
        ],
    },
    {
        "title": "违法建设如何认定与查处——《城乡规划法》要点",
        "category": "law",
        "kind": ArticleKind.LAW,
        "tags": "城乡规划 违章建筑 执法",
        "demand": [("城乡建设", "城乡规划")],
        "source": "市城市管理局",
        "paragraphs": [
            "未取得建设工程规划许可证或者未按照许可证规定进行建设的，由城乡规划主管部门责令停止建设；尚可采取改正措施消除影响的，限期改正并处罚款。",
            "群众发现违法建设，可通过12345热线或连心平台反映，街道和城管部门按照职责分工核查处置。",
        ],
    },
    {
        "title": "市12345热线上月受理群众诉求情况通报",
        "category": "news",
        "kind": ArticleKind.NEWS,
        "tags": "12345热线 接诉即办 群众诉求",
        "demand": [],
        "source": "市12345政务服务便民热线中心",
        "paragraphs": [
            "上月，市12345热线共受理群众诉求，按时办结率、问题解决率和群众满意率均较前一月有所提升。",
            "诉求集中在住房、物业、社保和交通出行等方面。对群众反映集中的问题，热线中心已会同有关部门开展专项督办。",
        ],
    },
    {
        "title": "东风街道开展“领导干部下基层 联系群众面对面”活动",
        "category": "news",
        "kind": ArticleKind.NEWS,
        "tags": "联系群众 领导干部 基层",
        "demand": [],
        "source": "东风街道办事处",
        "paragraphs": [
            "近日，东风街道党工委组织班子成员深入联系社区和联系户，走访群众，记录民情日记，现场解决问题。",
            "活动中收集的问题已全部录入连心平台，实行台账管理、限时办结、结果公开，接受群众监督。",
        ],
    },
    {
        "title": "关于开展夏季燃气安全隐患排查的通知",
        "category": "notice",
        "kind": ArticleKind.NOTICE,
        "tags": "燃气安全 安全隐患",
        "demand": [("城乡建设", "安全生产"), ("城乡建设", "城市建设和市政管理")],
        "source": "市城市管理局",
        "paragraphs": [
            "为保障人民群众生命财产安全，决定即日起在全市开展燃气安全隐患排查。各燃气企业要逐户入户安检，发现隐患立即整改。",
            "居民发现燃气泄漏，请立即关闭阀门、开窗通风，到室外拨打燃气企业抢修电话或119。",
        ],
    },
    {
        "title": "领导干部如何做好群众工作",
        "category": "study",
        "kind": ArticleKind.ESSAY,
        "tags": "领导干部 如何做好 群众 工作",
        "demand": [("党务政务", "群众团体")],
        "source": "理论学习",
        "paragraphs": [
            "领导干部要深刻认识新形势下群众工作的重要性和紧迫性，坚持党的群众路线，扎实做好联系群众、宣传群众、组织群众、服务群众、团结群众的工作。",
            "要把人民群众的呼声作为第一信号，人民群众利益作为第一考虑，人民群众满意作为第一标准。",
            "经常深入群众、深入基层，搞好调查研究，及时发现群众所思所想所盼，为群众解决最关心、最直接、最现实的利益问题。",
        ],
    },
    {
        "title": "12345热线办事指南：如何反映问题、查询进度",
        "category": "service",
        "kind": ArticleKind.NOTICE,
        "tags": "12345热线 办事指南",
        "demand": [("党务政务", "其他")],
        "source": "市12345政务服务便民热线中心",
        "paragraphs": [
            "群众可通过电话、网站和手机反映诉求。提交后获得工单编号和查询码，凭编号和查询码可随时查询办理进度。",
            "承办单位答复后，热线中心将进行回访，请您对办理结果作出评价。",
        ],
    },
]


def _demand_categories(pairs: list[tuple[str, str]]) -> list[DemandCategory]:
    found = []
    for level1, level2 in pairs:
        category = DemandCategory.objects.filter(name=level2, parent__name=level1).first()
        if category is not None:
            found.append(category)
    return found


def load(ctx: DemoContext) -> None:
    services.site_settings_update(
        name="连心宣传网",
        description="宣传党的路线方针政策、讲解法律法规、通报群众工作动态",
        keywords="群众工作,政策解读,法规讲解,12345",
        footer="连心宣传网 · 主办：市12345政务服务便民热线中心",
    )
    sections: dict[str, PortalCategory] = {}
    for order, (name, slug, top, footer) in enumerate(CATEGORIES):
        sections[slug] = services.category_create(
            name=name, slug=slug, order=order, in_top_nav=top, in_footer_nav=footer
        )
    users = ctx.objects["users"]
    editor, reviewer = users["editor"], users["editor2"]
    articles = []
    for i, spec in enumerate(ARTICLES):
        data = services.ArticleInput(
            title=spec["title"],
            category=sections[spec["category"]],
            kind=spec["kind"],
            body="\n".join(spec["paragraphs"]),
            source=spec["source"],
            author_unit=spec["source"],
            tags=spec["tags"],
            demand_categories=_demand_categories(spec["demand"]),
            published_at=ctx.now - timedelta(days=80 - i * 7, hours=i),
        )
        article = services.article_create(actor=editor, data=data)
        services.article_transition(article=article, actor=editor, action=RevisionAction.SUBMIT)
        services.article_transition(
            article=article, actor=reviewer, action=RevisionAction.APPROVE, note="同意发布"
        )
        articles.append(article)
    # One waiting for review and one draft, so the editors' desk has work on it.
    waiting = services.article_create(
        actor=editor,
        data=services.ArticleInput(
            title="关于调整城乡居民最低生活保障标准的政策解读",
            category=sections["policy"],
            kind=ArticleKind.POLICY,
            body="自下月起，城乡居民最低生活保障标准统一提高。已纳入低保的家庭无需重新申请，由民政部门自动调整。",
            source="市民政局",
            tags="低保 社会救助",
        ),
    )
    services.article_transition(article=waiting, actor=editor, action=RevisionAction.SUBMIT)
    services.article_create(
        actor=editor,
        data=services.ArticleInput(
            title="（草稿）社区议事会工作规程",
            category=sections["news"],
            body="草稿：社区议事会每季度至少召开一次，议题向居民公开征集。",
            tags="议事会",
        ),
    )
    ctx.objects["portal_articles"] = articles
    ctx.log.append(f"Portal: {len(articles)} published articles in {len(sections)} sections")
