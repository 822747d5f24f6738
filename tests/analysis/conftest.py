"""Fixtures: a tiny trained classifier (session, milliseconds), per-process intel state reset."""

from __future__ import annotations

import pytest

from lianxin.analysis import classifier as analysis_classifier
from lianxin.analysis import similar as analysis_similar
from lianxin.org.models import Category
from tests.demands.factories import build_world

TRAFFIC = [
    "公交车线路调整后站点太远出行不便",
    "公交车晚点严重希望增加班次",
    "地铁站出口拥堵请增加通道",
    "公交站台没有遮雨棚乘客淋雨",
    "出租车拒载绕路请整治",
    "红绿灯时间太短行人过马路危险公交",
    "公交车司机开车太猛乘客摔倒",
    "道路拥堵公交车常常晚点",
]
ENVIRONMENT = [
    "工厂夜间排放废气气味刺鼻",
    "河道污染严重水发黑发臭",
    "工地噪音扰民晚上施工",
    "垃圾站臭味大污染环境",
    "餐馆油烟排放污染小区空气",
    "工厂偷排污水污染农田",
    "烧烤油烟和噪音扰民",
    "化工厂废气污染附近居民",
]


@pytest.fixture(scope="session")
def tiny_model_bytes() -> bytes:
    from lianxin.intel.classifier import classifier_train

    model = classifier_train(
        TRAFFIC + ENVIRONMENT, ["交通运输"] * len(TRAFFIC) + ["环境保护"] * len(ENVIRONMENT)
    )
    return model.to_bytes()


@pytest.fixture(autouse=True)
def _fresh_intel_state():
    from django.core.cache import cache

    analysis_classifier.classifier_forget()
    analysis_similar.index_forget()
    cache.delete(analysis_classifier.ACTIVE_KEY)
    yield
    analysis_classifier.classifier_forget()
    analysis_similar.index_forget()
    cache.delete(analysis_classifier.ACTIVE_KEY)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def site_admin(world):
    user = world["admin"]
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def taxonomy(db) -> dict[str, Category]:
    """First-level categories named like the tiny model's labels (as the 附件1 taxonomy is)."""
    out = {}
    for i, name in enumerate(["交通运输", "环境保护"]):
        root = Category.objects.filter(level=1, name=name).first() or Category.objects.create(
            code=f"TX{i}", name=name
        )
        out[name] = root
    return out
