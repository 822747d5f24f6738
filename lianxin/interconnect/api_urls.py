from django.urls import path

from lianxin.interconnect import api

urlpatterns: list = [
    path("interconnect/work-orders/", api.work_order_push, name="interconnect-work-orders"),
    path("interconnect/work-orders/<str:order_id>/", api.work_order_state, name="interconnect-work-order"),
]
