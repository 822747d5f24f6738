"""Factories for the foundation's models; apps add their own in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.conf import settings

from lianxin.accounts.models import User
from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = AreaLevel.DISTRICT
    parent = None


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"TU{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.DEPARTMENT
    area = factory.SubFactory(AreaFactory)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"TC{n:04d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    roles = "citizen"
    password = factory.PostGenerationMethodCall("set_password", settings.LIANXIN_DEMO_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # factory_boy passes the object first
        if create:
            obj.save()
