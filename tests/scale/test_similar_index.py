"""The shared similar-demand index: built by the worker from stored terms, mapped by web processes,
never served half-built or corrupt, and pages say so while it is not ready."""

from __future__ import annotations

import json

import pytest

from lianxin.analysis import services, similar
from lianxin.analysis import similar_store as store
from lianxin.analysis.models import SimilarChange, SimilarEntry
from lianxin.demands import intel_port
from lianxin.demands import services as demand_services

LIFT = dict(title="东风小区3栋电梯坏了", content="东风小区3栋电梯坏了一个月没人修，老人上下楼困难")
PROBE = dict(title="东风小区3栋电梯故障", content="东风小区3栋电梯坏了很久没人修，老人上楼困难")
LAMP = dict(title="西湖路路灯不亮", content="西湖路路灯晚上不亮，走路很黑")


def _submit(world, **fields):
    demand, _ = demand_services.demand_submit(actor=None, area=world.street, **fields)
    return demand


def _fresh_process():
    """What a web worker that just started sees: no view of its own yet."""
    similar.index_forget()


def test_worker_builds_a_generation_that_a_fresh_process_maps_and_answers_from(
    world, index_dir, large_window, monkeypatch
):
    first = _submit(world, **LIFT)
    _submit(world, **LAMP)
    probe = _submit(world, **PROBE)
    assert similar.index_build()["done"] == "full"
    assert store.current_generation(index_dir) == 1
    assert SimilarEntry.objects.count() == 3  # terms stored once per demand
    _fresh_process()
    segmented = []
    original = similar._entry_from_row
    monkeypatch.setattr(similar, "_entry_from_row", lambda row: segmented.append(row[0]) or original(row))
    assert services.similar_demand_ids(probe) == [first.pk]
    assert segmented == []  # the web process segments only the query, never the indexed demands
    assert similar._state.generation == 1


def test_changes_after_the_generation_are_folded_in_by_the_web_process_then_by_the_worker(
    world, index_dir, large_window
):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    assert services.similar_demand_ids(probe) == [first.pk]
    second = _submit(
        world, title="东风小区3栋电梯坏了没人管", content="东风小区3栋电梯坏了一个月，老人上下楼困难"
    )
    demand_services.demand_reject(demand=first, actor=world["operator"], reason="重复")
    # before the worker runs: the change rows are read by the web process
    assert services.similar_demand_ids(probe) == [second.pk]
    assert similar.index_build()["done"] == "pending"  # few changes, recent: the overlay carries them
    done = similar.index_build(force=True)
    assert done["done"] == "incremental" and done["generation"] == 2
    assert not SimilarEntry.objects.filter(demand_id=first.pk).exists()  # left the window
    _fresh_process()
    assert services.similar_demand_ids(probe) == [second.pk]
    assert similar._state.generation == 2 and not similar._state.overlay


def test_not_ready_while_building_pages_answer_without_the_list_and_say_so(
    world, index_dir, large_window, client
):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    with pytest.raises(similar.IndexNotReady):
        services.similar_demand_ids(probe)
    assert intel_port.similar_demand_ids(probe) is None  # the port's "intel cannot say"
    assert similar.index_status().ready is False
    client.force_login(world["operator"])
    from django.urls import reverse

    page = client.get(reverse("demands:detail", args=[probe.pk]))
    assert page.status_code == 200
    assert "intake-similar-pending" in page.content.decode()  # the operator's intake panel says so
    from lianxin.analysis.panels import similar_status
    from lianxin.demands import extensions

    panel = extensions.panel("similar_status", page.wsgi_request, demand=probe)
    assert panel is not None and panel.values == {"pending": True}
    assert similar_status(None) == {"pending": False}  # nobody to tell
    similar.index_build()
    assert similar.index_status().ready is True
    assert services.similar_demand_ids(probe) == [first.pk]


def test_a_node_starting_while_the_first_build_fills_serves_without_the_panel(
    world, index_dir, large_window, monkeypatch
):
    for _ in range(3):
        _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    monkeypatch.setattr(similar, "FILL_BATCH", 1)
    monkeypatch.setattr(similar, "FILL_SECONDS", 0.0)
    done = similar.index_build()
    assert done == {"done": "filling", "entries_written": 1}
    assert store.current_generation(index_dir) is None
    _fresh_process()
    assert intel_port.similar_demand_ids(probe) is None
    while similar.index_build()["done"] == "filling":
        pass
    assert len(services.similar_demand_ids(probe)) == 3


@pytest.mark.parametrize("damage", ["truncate", "garble", "missing_file", "missing_dir", "bad_meta"])
def test_a_corrupt_or_missing_generation_is_never_served_and_the_worker_rebuilds_it(
    world, index_dir, large_window, damage
):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    folder = index_dir / "gen-1"
    target = folder / "col_rows.npy"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:-4])
    elif damage == "garble":  # same size: only the worker's checksums see it
        raw = bytearray(target.read_bytes())
        raw[-1] ^= 0xFF
        target.write_bytes(bytes(raw))
    elif damage == "missing_file":
        target.unlink()
    elif damage == "missing_dir":
        import shutil

        shutil.rmtree(folder)
    else:
        (folder / "meta.json").write_text("{not json")
    _fresh_process()
    if damage != "garble":
        assert intel_port.similar_demand_ids(probe) is None  # not served
        assert similar.index_status().reason == "building"
    done = similar.index_build()
    assert done["done"] == "full" and done["generation"] == 2
    store.load(index_dir, full=True)  # the new one is whole
    _fresh_process()
    assert services.similar_demand_ids(probe) == [first.pk]
    assert similar._state.generation == 2


def test_a_half_written_generation_is_not_named_and_is_cleaned_away(world, index_dir, large_window):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    (index_dir / "gen-2.tmp").mkdir()  # a build that died while writing
    (index_dir / "gen-2.tmp" / "ids.npy").write_bytes(b"half")
    _fresh_process()
    assert services.similar_demand_ids(probe) == [first.pk]
    assert similar._state.generation == 1
    # CURRENT naming a generation that is not all there is refused, not half-served
    (index_dir / "CURRENT").write_text(json.dumps({"generation": 7}))
    _fresh_process()
    assert intel_port.similar_demand_ids(probe) is None
    assert similar.index_build()["done"] == "full"
    assert not (index_dir / "gen-2.tmp").exists()
    assert services.similar_demand_ids(probe) == [first.pk]


def test_a_generation_behind_the_pruned_change_log_is_stale_and_rebuilt(world, index_dir, large_window):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    second = _submit(world, **LIFT)
    SimilarChange.objects.all().delete()  # pruned past the generation's watermark
    SimilarChange.objects.create(demand_id=second.pk + 1000)
    _fresh_process()
    assert intel_port.similar_demand_ids(probe) is None
    assert similar.index_status().reason == "stale"
    assert similar.index_build()["done"] == "full"
    assert set(services.similar_demand_ids(probe)) == {first.pk, second.pk}


def test_stored_terms_are_segmented_again_only_when_the_text_changes(world, index_dir, monkeypatch):
    demand = _submit(world, **LIFT)
    similar.entries_refresh([demand.pk])
    entry = SimilarEntry.objects.get(pk=demand.pk)
    calls = []
    original = similar._entry_from_row
    monkeypatch.setattr(similar, "_entry_from_row", lambda row: calls.append(row[0]) or original(row))
    similar.entries_refresh([demand.pk])
    assert calls == []
    type(demand).objects.filter(pk=demand.pk).update(content="东风小区3栋电梯修好了又坏了")
    similar.entries_refresh([demand.pk])
    assert calls == [demand.pk]
    assert SimilarEntry.objects.get(pk=demand.pk).text_hash != entry.text_hash


def test_segments_round_trip_and_merge_keep_the_stored_rows(tmp_path):
    import numpy as np

    from lianxin.intel.similar import demand_terms

    def entry(k, text, street="c/d/s1", places=()):
        weights, found, area = demand_terms(text)
        columns, values = store.terms_unpack(store.terms_pack(weights))
        return store.Entry(k, columns, values, tuple(places) or tuple(found), area, street, 0.0, None, None)

    a = store.segment_build([entry(1, LIFT["content"]), entry(2, LAMP["content"])])
    store.snapshot_write(tmp_path, a, generation=1, info={"watermark": 0})
    loaded = store.load(tmp_path, full=True)
    assert list(loaded.ids) == [1, 2] and loaded.places_of(0) == a.places_of(0)
    keep = np.array([False, True])
    merged = store.segment_merge(loaded, keep, [entry(3, PROBE["content"], street="c/d/s2")])
    assert list(merged.ids) == [2, 3]
    assert merged.streets_vocab[int(merged.streets[1])] == "c/d/s2"
    assert np.array_equal(
        merged.row_cols[: int(merged.row_ptr[1])], loaded.row_cols[int(loaded.row_ptr[1]) :]
    )
    assert int(merged.df.sum()) == merged.meta["nnz"]


def test_a_demand_page_queries_with_the_demands_stored_terms_without_segmenting(
    world, index_dir, large_window, monkeypatch
):
    first = _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    _fresh_process()

    def no_segmenting(text):
        raise AssertionError("segmented in the web process")

    monkeypatch.setattr(similar, "demand_terms", no_segmenting)
    assert services.similar_demand_ids(probe) == [first.pk]


def test_a_web_process_reads_the_change_rows_at_most_once_a_second(
    world, index_dir, large_window, monkeypatch, django_assert_num_queries
):
    _submit(world, **LIFT)
    probe = _submit(world, **PROBE)
    similar.index_build()
    monkeypatch.setattr(similar, "FOLD_SECONDS", 60.0)
    similar.index_sync()
    with django_assert_num_queries(0):
        similar.index_sync()  # folded moments ago: no query
    monkeypatch.setattr(similar, "FOLD_SECONDS", 0.0)
    with django_assert_num_queries(1):  # the change rows (the pruned-log check was made moments ago)
        similar.index_sync()
    monkeypatch.setattr(similar, "PRUNE_CHECK_SECONDS", 0.0)
    with django_assert_num_queries(2):  # the pruned-log check, when due, and the change rows
        similar.index_sync()
    assert probe.pk
