"""SMS answer parsing (lianxin.notices.parsing): how many callers' answers one core reads a second
(issue 16: ≥ 1,000 messages/s).

The messages are a seeded mix of what callers send back to the 短信回访: the digits 1/2/3 (also
full-width, with punctuation or the matching word), the three words with intensifiers and politeness,
"已解决"/"未解决" added, opt-outs, two answers at once, numbers other than 1/2/3, and free text up to the
length of a long SMS (gibberish, questions, a phone number). Figures: messages/s of `sms_reply_parse`
alone and of the full reading of one message (opt-out, rating, resolved), median of 5 runs of the whole
set; the share read as a rating (the rest goes to the operator). No database: the parser is plain Python.

Beside it, in a child process on a fresh SQLite file, the inbound door's service
(`services.sms_inbound_receive`) over demands awaiting their SMS follow-up (built through the demands
services): messages/s and p95 of one message, answers recorded as ratings and the rest queued.

`--quick`: 20,000 messages, 100 demands.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import ROOT, django_setup, emit, percentile, scaled, wait_quiet

ANSWERS = ["1", "2", "3", "１", "２", "３", "1。", "【3】", " 2 ", "1!", "01"]
WORDS = [
    "满意",
    "基本满意",
    "不满意",
    "很不满意!!",
    "非常满意，谢谢",
    "不太满意",
    "满意😊",
    "1满意",
    "3 不满意",
    "2，基本满意。",
]
ADDED = ["", "", "", "已解决", "，问题已解决", "未解决", " 没有解决"]
BAD = [
    "1 3",
    "1,2",
    "13",
    "4",
    "0",
    "1不满意",
    "比较满意",
    "还行吧",
    "TD",
    "退订",
    "13912345678",
    "？？？",
    "asdfgh",
]
FREE = "你们什么时候来修电梯已经坏了一个月了请尽快处理谢谢楼道灯不亮噪音扰民垃圾没人清运小区门口积水严重"


def messages(n: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.45:
            text = rng.choice(ANSWERS) + rng.choice(ADDED)
        elif kind < 0.75:
            text = rng.choice(WORDS) + rng.choice(ADDED)
        elif kind < 0.9:
            text = rng.choice(BAD)
        else:
            length = rng.randint(5, 70)
            text = "".join(rng.choice(FREE) for _ in range(length))
        out.append(text)
    return out


def _rate(function, texts: list[str], runs: int = 5) -> float:
    speeds = []
    for _ in range(runs):
        start = time.process_time()
        for text in texts:
            function(text)
        elapsed = time.process_time() - start
        speeds.append(len(texts) / elapsed if elapsed else float("inf"))
    return statistics.median(speeds)


def phase_door() -> None:
    """The inbound door's service on SQLite: one answer per demand awaiting its SMS follow-up, half of
    them good answers, a quarter gibberish, a quarter from unknown numbers."""
    var_dir = tempfile.mkdtemp(prefix="lianxin-notices-")
    django_setup({"LIANXIN_VAR_DIR": var_dir, "LIANXIN_SMS_BACKEND": "lianxin.core.sms.MemoryBackend"})
    from django.core.management import call_command

    from lianxin.accounts.models import User
    from lianxin.demands import services as ds
    from lianxin.notices.models import InboundSms, InboundState
    from lianxin.notices.services import sms_inbound_receive
    from lianxin.org.models import Area, AreaLevel, Unit, UnitKind

    call_command("migrate", verbosity=0)
    n = scaled(1_000, 100)
    city = Area.objects.create(code="N01", name="短信市", level=AreaLevel.CITY)
    centre = Unit.objects.create(
        code="NU0", name="热线中心", kind=UnitKind.CENTER, area=city, accepts_dispatch=False
    )
    unit = Unit.objects.create(code="NU1", name="住建局", kind=UnitKind.DEPARTMENT, area=city)
    operator = User.objects.create(username="bench-op", roles="operator", unit=centre)
    handler = User.objects.create(username="bench-handler", roles="handler", unit=unit)
    start = time.perf_counter()
    for i in range(n):
        d, _ = ds.demand_submit(
            actor=None,
            title="电梯故障",
            content="小区电梯坏了一个月。",
            area=city,
            contact_phone=f"139{i:08d}",
        )
        d = ds.demand_accept(demand=d, actor=operator)
        d = ds.demand_dispatch(demand=d, actor=operator, unit=unit)
        d = ds.demand_sign(demand=d, actor=handler)
        ds.demand_reply(
            demand=d, actor=handler, text="已安排维保单位维修，电梯恢复运行。", outcome="resolved"
        )
    seeded = time.perf_counter() - start
    rng = random.Random(16)
    load = wait_quiet()
    times = []
    for i in range(n):
        kind = i % 4
        phone = f"139{i:08d}" if kind != 3 else f"137{i:08d}"
        text = rng.choice(ANSWERS + WORDS) if kind < 2 else rng.choice(BAD[:8] + ["你们什么时候来修"])
        t0 = time.perf_counter()
        sms_inbound_receive(gateway_id=f"gw-{i}", phone=phone, text=text)
        times.append(time.perf_counter() - t0)
    recorded = InboundSms.objects.filter(state=InboundState.RECORDED).count()
    total = sum(times)
    common = {"load": round(load, 2), "database": "sqlite", "seed_seconds": round(seeded, 1)}
    emit("notices_inbound_rate", n / total, "messages/s", n, recorded=recorded, **common)
    emit("notices_inbound_p95", percentile(times, 95) * 1000, "ms", n, **common)


def main() -> None:
    from lianxin.notices.parsing import sms_optout_parse, sms_reply_parse, sms_reply_resolved

    n = scaled(200_000, 20_000)
    texts = messages(n)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    load = wait_quiet()

    def full(text: str) -> None:
        if not sms_optout_parse(text) and sms_reply_parse(text) is not None:
            sms_reply_resolved(text)

    parse_rate = _rate(sms_reply_parse, texts)
    full_rate = _rate(full, texts)
    parsed = sum(1 for t in texts if sms_reply_parse(t) is not None) / n
    common = {"load": round(load, 2), "target": 1000, "runs": 5}
    emit("notices_sms_parse_rate", parse_rate, "messages/s", n, **common)
    emit("notices_sms_read_rate", full_rate, "messages/s", n, **common)
    emit("notices_sms_parsed_share", parsed, "ratio", n, load=round(load, 2))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.bench_notices", "door"], cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"bench_notices door phase failed ({result.returncode})")


if __name__ == "__main__":
    phase_door() if sys.argv[1:] == ["door"] else main()
