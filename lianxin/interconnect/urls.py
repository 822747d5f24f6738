app_name = "interconnect"

urlpatterns: list = []
