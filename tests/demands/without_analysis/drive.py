"""Run in a subprocess with the settings beside this file: migrate, submit, accept, dispatch, reply and
rate a demand through the services, and render the pages an operator and a citizen use. Prints OK."""

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from lianxin.demands import intel_port, services  # noqa: E402
from lianxin.demands.choices import Outcome, Satisfaction, Status  # noqa: E402
from tests.demands.factories import build_world  # noqa: E402

assert not apps.is_installed("lianxin.analysis")
call_command("migrate", verbosity=0)
world = build_world()
d, _ = services.demand_submit(
    actor=world["citizen"], title="路灯坏了", content="东风小区路灯坏了，电话13912345678"
)
assert isinstance(intel_port.port(), intel_port.NoIntel)
client = Client()
client.force_login(world["operator"])
for url in (f"/demands/{d.pk}/", "/demands/workbench/", "/demands/list/"):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
d = services.demand_accept(demand=d, actor=world["operator"])
d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit)
d = services.demand_sign(demand=d, actor=world["handler"])
d = services.demand_reply(
    demand=d, actor=world["handler"], text="已安排维修人员更换路灯。", outcome=Outcome.RESOLVED
)
d = services.demand_rate(demand=d, actor=world["citizen"], satisfaction=Satisfaction.SATISFIED, resolved=True)
assert d.status == Status.CLOSED
client.force_login(world["handler"])
assert client.get(f"/demands/{d.pk}/").status_code == 200
track = Client().get(f"/demands/track/?ticket_no={d.ticket_no}&code={d.query_code}")
assert track.status_code == 200 and "13912345678" not in track.content.decode()
print("OK")
