"""The knowledge base: policy articles linked to demand categories, shown beside a demand."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from lianxin.portal.models import ArticleKind
from lianxin.portal.selectors import related_policies
from tests.factories import CategoryFactory
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db


def test_policies_linked_to_the_category_or_a_parent_come_first():
    parent = CategoryFactory(name="劳动和社会保障")
    child = CategoryFactory(name="工资福利", parent=parent)
    other = CategoryFactory(name="交通")
    on_child = published_article(title="拖欠工资怎么办", kind=ArticleKind.LAW, demand_categories=[child])
    on_parent = published_article(title="社保政策汇编", kind=ArticleKind.POLICY, demand_categories=[parent])
    published_article(title="交通新规", kind=ArticleKind.POLICY, demand_categories=[other])
    found = related_policies(category=child)
    assert {a.pk for a in found} == {on_child.pk, on_parent.pk}
    assert related_policies(category=child.pk)  # an id works too


def test_text_similarity_fills_up_with_policy_articles_only():
    policy = published_article(
        title="燃气安全管理规定解读", body="燃气泄漏时应关闭阀门。", kind=ArticleKind.POLICY
    )
    published_article(title="燃气公司开展活动", body="燃气公司举办开放日。", kind=ArticleKind.NEWS)
    found = related_policies(text="我家楼道里有燃气泄漏的味道，请尽快处理")
    assert [a.pk for a in found] == [policy.pk]
    assert related_policies(text="") == [] and related_policies() == []


def test_an_article_sharing_only_the_words_of_any_demand_is_not_suggested():
    housing = published_article(
        title="公租房申请指南", body="符合条件的家庭可申请公共租赁住房（公租房）。", kind=ArticleKind.POLICY
    )
    published_article(
        title="拖欠工资怎么办", body="劳动者可以申请劳动仲裁，申请条件如下。", kind=ArticleKind.LAW
    )
    assert [a.pk for a in related_policies(text="公租房申请条件咨询")] == [housing.pk]
    assert related_policies(text="咨询一下申请条件") == []  # nothing but petition words: no guess


def test_include_renders_the_box_with_links():
    policy = published_article(title="医保政策问答", kind=ArticleKind.POLICY)
    html = render_to_string("portal/_related_policies.html", {"policies": [policy]})
    assert "相关政策" in html and policy.get_absolute_url() in html
    assert "暂无相关政策" in render_to_string("portal/_related_policies.html", {"policies": []})


def test_related_fragment_endpoint(client):
    cat = CategoryFactory(name="住房")
    published_article(title="老旧小区改造政策", kind=ArticleKind.POLICY, demand_categories=[cat])
    html = client.get("/portal/related/", {"category": cat.pk, "text": "小区"}).content.decode()
    assert "老旧小区改造政策" in html
    assert client.get("/portal/related/", {"category": "abc"}).status_code == 200
