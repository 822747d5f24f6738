from django.urls import path

from lianxin.notices import views

app_name = "notices"

urlpatterns = [
    path("sms/inbound/", views.sms_inbound, name="sms_inbound"),
    path("sms/receipt/", views.sms_receipt, name="sms_receipt"),
    path("sms/queue/", views.queue, name="queue"),
    path("sms/queue/<int:pk>/done/", views.queue_done, name="queue_done"),
]
