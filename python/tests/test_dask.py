"""Sharded collections on Dask (glassbox.dask): the same hits, scores and
explanations as one collection holding all the documents.

Run by ctest (python_dask_tests), or by hand from the repository root:
  PYTHONPATH=build/python GLASSBOX_DATA=../shared /usr/bin/python3 -m pytest -q python/tests/test_dask.py
A LocalCluster of worker processes on loopback is started once per module.
"""
import json
import os
import random
import time

import pytest

distributed = pytest.importorskip("distributed", reason="python3-distributed (Dask) is not installed")

import glassbox  # noqa: E402
from glassbox.dask import ShardedCollection, ShardUnavailable, shard_of  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("GLASSBOX_DATA") or os.path.join(REPO, "..", "shared")
SCIFACT = os.path.join(DATA, "datasets", "scifact")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=3, processes=True, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=50)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


# ---------------------------------------------------------------- a generated corpus

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma", "omega",
         "river", "stone", "cloud", "engine", "market", "garden", "signal", "harbor", "winter", "copper", "forest",
         "lantern", "meadow", "orbit", "pepper", "quartz", "saddle", "timber", "velvet", "walnut", "yonder"]


def generated_docs(n=450, seed=5):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        # Zipf-like word choice, documents of varied length: idf and length norms matter.
        body = " ".join(WORDS[min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1)] for _ in range(rng.randint(3, 60)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        d = {"id": "doc-%03d" % i, "title": title, "text": body, "metadata": {"n": i}}
        if i % 5 == 1:
            d["metadata"]["acl_users"] = ["alice"]
        elif i % 5 == 2:
            d["metadata"]["acl_groups"] = ["eng"]
        docs.append(d)
    # Exact duplicates: ties in score, broken by id on both sides of the comparison.
    for j in range(5):
        docs.append(dict(docs[j], id="dup-%d" % j))
    return docs


def generated_queries(n=100, seed=9):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) for _ in range(n)]


def one_node(path, docs, **options):
    c = glassbox.Collection.create(path, **options)
    for d in docs:
        c.add(d["id"], text=d.get("text"), title=d.get("title"), metadata=d.get("metadata"))
    c.commit()
    return c


def expected_top(one, query, k, **options):
    """One node's top k with ties broken by id (the sharded order): its top k+50, re-sorted."""
    more = one.search(query, k + 50, mode=options.pop("mode", "bm25"), snippet=False, **options)["hits"]
    ranked = sorted(more, key=lambda h: (-h["score"], h["id"]))
    if len(more) == k + 50:
        assert ranked[k - 1]["score"] > ranked[-1]["score"], "ties reach past k+50; widen the comparison"
    return ranked[:k]


def assert_same_hits(got, want, query):
    assert [h["id"] for h in got] == [h["id"] for h in want], query
    for g, w in zip(got, want):
        assert abs(g["score"] - w["score"]) <= 1e-6 * max(1.0, abs(w["score"])), (query, g["id"])


@pytest.fixture(scope="module")
def generated(client, tmp_path_factory):
    base = tmp_path_factory.mktemp("gen")
    docs = generated_docs()
    one = one_node(str(base / "one"), docs, embedder="none")
    sc = ShardedCollection.create(client, str(base / "sharded"), shards=3, embedder="none")
    assert sc.add(docs) == len(docs)
    assert sc.commit() == 1
    yield one, sc, docs
    sc.drop()
    one.close()


def test_routing_is_stable_crc32():
    import zlib
    assert shard_of("doc-001", 3) == zlib.crc32(b"doc-001") % 3
    assert shard_of("é", 7) == zlib.crc32("é".encode("utf-8")) % 7


def test_documents_spread_over_shards(generated):
    one, sc, docs = generated
    st = sc.stats()
    per = [s["documents"] for s in st["shards"]]
    assert sum(per) == len(docs) and min(per) > len(docs) // 6, per
    assert sc.workers and len(set(sc.workers)) == 3  # one shard per worker


def test_bm25_equals_one_node_on_100_queries(generated):
    one, sc, _ = generated
    differ_locally = 0
    for q in generated_queries():
        got = sc.search(q, k=10, snippet=False)
        assert not got["partial"] and got["missing_shards"] == []
        assert_same_hits(got["hits"], expected_top(one, q, 10), q)
        assert got["total_hits"] == one.search(q, 10, mode="bm25", algorithm="exhaustive")["total_hits"] or \
            not got["total_exact"]
        # Local statistics would not do: a shard scoring alone differs.
        s = got["hits"][0]["shard"] if got["hits"] else None
        if s is not None:
            local = sc._actors[s][0].search(q, 1, {"mode": "bm25", "snippet": False}).result()["hits"]
            if local and abs(local[0]["score"] - got["hits"][0]["score"]) > 1e-6:
                differ_locally += 1
    assert differ_locally > 20


@pytest.mark.parametrize("shards", [1, 8])
def test_one_and_eight_shards_equal_one_node(client, generated, tmp_path, shards):
    one, _, docs = generated
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=shards, embedder="none")
    try:
        sc.add(docs)
        sc.commit()
        for q in generated_queries(30, seed=21):
            assert_same_hits(sc.search(q, k=10, snippet=False)["hits"], expected_top(one, q, 10), q)
    finally:
        sc.drop()


def test_engine_errors_pass_through_unchanged(generated):
    _, sc, _ = generated
    with pytest.raises(glassbox.InvalidArgument) as err:
        sc.search('"unclosed phrase', k=3)
    assert not isinstance(err.value, ShardUnavailable)


def test_paging_and_plain(generated):
    one, sc, _ = generated
    q = "river stone garden"
    full = expected_top(one, q, 15)
    assert_same_hits(sc.search(q, k=5, offset=10, snippet=False)["hits"], full[10:15], q)
    assert_same_hits(sc.search("river, stone?", k=10, plain=True)["hits"],
                     expected_top(one, "river, stone?", 10, plain=True), q)


def test_explanations_equal_one_node(generated):
    one, sc, _ = generated
    for q in generated_queries(20, seed=3):
        got = sc.search(q, k=5, explain=True, snippet=False)["hits"]
        for h in got:
            want = one.explain(q, h["id"])
            assert sc.explain(q, h["id"]) == want, (q, h["id"])
            e = h["explanation"]
            assert e["terms"] == want["terms"] and abs(e["score"] - want["score"]) < 1e-6, (q, h["id"])
    # A document that does not match: the same "does not match" breakdown.
    assert sc.explain("quartz", "doc-000") == one.explain("quartz", "doc-000")
    with pytest.raises(glassbox.NotFound):
        sc.explain("river", "no-such-id")


def test_why_not_equals_one_node(generated):
    one, sc, _ = generated
    checked = 0
    for q in generated_queries(15, seed=4):
        ranked = expected_top(one, q, 40)
        for pos in (2, 25):  # in the top 10, and below it
            if pos >= len(ranked):
                continue
            h = ranked[pos]
            if sum(1 for r in ranked if r["score"] == h["score"]) > 1:
                continue  # ties rank by id here, by internal order on one node
            w = sc.why_not(q, h["id"], 10)
            ow = one.why_not(q, h["id"], 10, mode="bm25")
            assert (w["reason"], w["rank"]) == (ow["reason"], ow["rank"]) == (
                "in_top_k" if pos < 10 else "ranked_below", pos + 1), q
            assert abs(w["kth_score"] - ow["kth_score"]) < 1e-6 and w["message"] == ow["message"], q
            assert w["explanation"] == ow["explanation"]
            checked += 1
    assert checked >= 10
    w = sc.why_not("river", "doc-000", 10)
    assert w["reason"] == one.why_not("river", "doc-000", 10, mode="bm25")["reason"]


@pytest.mark.parametrize("principal", [{"user": "alice"}, {"groups": ["eng"]}, {"user": "bob"}])
def test_principal_filtering_equals_one_node(generated, principal):
    one, sc, docs = generated
    restricted = {d["id"] for d in docs if "acl_users" in d["metadata"] or "acl_groups" in d["metadata"]}
    saw_restricted = False
    for q in generated_queries(30, seed=6):
        got = sc.search(q, k=10, snippet=False, **principal)["hits"]
        assert_same_hits(got, expected_top(one, q, 10, **principal), q)
        saw_restricted |= any(h["id"] in restricted for h in got)
    assert saw_restricted == (principal != {"user": "bob"})
    hidden = next(d["id"] for d in docs if d["metadata"].get("acl_users") == ["alice"])
    with pytest.raises(glassbox.NotFound):
        sc.explain("river", hidden, user="bob")
    with pytest.raises(glassbox.NotFound):
        sc.get(hidden, user="bob")
    assert sc.get(hidden, user="alice")["id"] == hidden


def test_hybrid_is_refused_not_approximated(generated):
    _, sc, _ = generated
    for mode in ("hybrid", "auto"):
        with pytest.raises(glassbox.Unsupported, match="hybrid"):
            sc.search("river", mode=mode)
    with pytest.raises(glassbox.Unsupported, match="principal_statistics"):
        sc.search("river", principal_statistics=True)


def test_vector_mode_with_the_static_embedder_is_refused(client, tmp_path):
    # The static embedder depends on the collection (word frequencies, common
    # component): shards would embed differently from one node, so it is refused.
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=2)
    try:
        sc.add(generated_docs(20))
        sc.commit()
        with pytest.raises(glassbox.Unsupported, match="static"):
            sc.search("river", mode="vector")
        assert sc.search("river", mode="bm25")["hits"]
    finally:
        sc.drop()


def test_commit_generations_and_reopen(client, tmp_path):
    prefix = str(tmp_path / "sc")
    sc = ShardedCollection.create(client, prefix, shards=3, embedder="none")
    record = os.path.join(prefix, "coordinator.json")
    assert json.load(open(record))["generation"] == 0 and sc.generation == 0
    sc.add(generated_docs(60))
    r = sc.search("river", k=100)
    assert r["hits"] == [] and r["generation"] == 0  # nothing is visible before commit
    assert sc.commit() == 1
    meta = json.load(open(record))
    assert meta["generation"] == 1 and meta["shards"] == 3 and len(meta["shard_generations"]) == 3
    before = sc.search("river", k=100, snippet=False)
    assert before["generation"] == 1 and before["hits"]
    assert sc.delete(["doc-000", "doc-001", "not-there"]) == 2
    assert sc.commit() == 2
    sc.close()
    with pytest.raises(glassbox.AlreadyExists):
        ShardedCollection.create(client, prefix, shards=3)
    sc = ShardedCollection.open(client, prefix)
    assert sc.generation == 2 and sc.shards == 3
    after = sc.search("river", k=100, snippet=False)
    assert {h["id"] for h in after["hits"]} == {h["id"] for h in before["hits"]} - {"doc-000", "doc-001"}
    sc.drop()
    assert not os.path.exists(prefix)
    with pytest.raises(glassbox.NotFound):
        ShardedCollection.open(client, prefix)


def test_ingest_parses_on_workers_and_routes(client, tmp_path):
    kb = os.path.join(REPO, "examples", "kb")
    one = glassbox.Collection.create(str(tmp_path / "one"), embedder="none")
    rep_one = one.ingest(kb)
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=3, embedder="none")
    rep = sc.ingest(kb)
    sc.commit()
    try:
        assert rep["chunks"] == rep_one["chunks"] > 100 and rep["files_ok"] == rep_one["files_ok"]
        assert sc.stats()["documents"] == one.stats()["documents"]
        for q in ["annual leave", "cement price per tonne", "remote work approval", "sick note"]:
            assert_same_hits(sc.search(q, k=10, snippet=False)["hits"], expected_top(one, q, 10), q)
    finally:
        sc.drop()
        one.close()


# ---------------------------------------------------------------- scifact

def scifact_or_skip():
    if not os.path.exists(os.path.join(SCIFACT, "corpus.jsonl")):
        pytest.skip("scifact not found at %s (set GLASSBOX_DATA to the folder holding datasets/)" % SCIFACT)
    with open(os.path.join(SCIFACT, "corpus.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    with open(os.path.join(SCIFACT, "queries.jsonl"), encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f][:100]
    return [{"id": d["_id"], "title": d.get("title", ""), "text": d["text"]} for d in docs], queries


def test_scifact_three_shards_equal_one_node(client, tmp_path):
    docs, queries = scifact_or_skip()
    one = one_node(str(tmp_path / "one"), docs, embedder="none")
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=3, embedder="none")
    for i in range(0, len(docs), 1000):
        sc.add(docs[i:i + 1000])
    sc.commit()
    try:
        for q in queries:
            got = sc.search(q, k=10, plain=True, snippet=False)
            assert_same_hits(got["hits"], expected_top(one, q, 10, plain=True), q)
        for q in queries[:10]:
            for h in sc.search(q, k=3, plain=True, snippet=False)["hits"]:
                assert sc.explain(q, h["id"], plain=True)["terms"] == \
                    one.why_not(q, h["id"], 3, mode="bm25", plain=True)["explanation"]["terms"]
    finally:
        sc.drop()
        one.close()


# ---------------------------------------------------------------- faults

def wait_for_workers(client, n):
    deadline = time.monotonic() + 30
    while len(client.scheduler_info()["workers"]) < n and time.monotonic() < deadline:
        time.sleep(0.2)


def test_killed_worker_gives_a_clear_error_then_partial_then_recovery(client, tmp_path):
    # Last in the file: these tests kill workers of the module's cluster (the nannies restart them).
    docs = generated_docs(120)
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=2, embedder="none")
    sc.add(docs)
    sc.commit()
    before = sc.search("river stone", k=200, snippet=False)["hits"]
    on_1 = {d["id"] for d in docs if shard_of(d["id"], 2) == 1}
    os.kill(sc._actors[1][0].pid().result(), 9)
    with pytest.raises(ShardUnavailable, match="shard 1") as err:
        sc.search("river stone", k=10)
    assert err.value.shards == [1] and "allow_partial" in str(err.value)
    r = sc.search("river stone", k=200, allow_partial=True, snippet=False)
    assert r["partial"] and r["missing_shards"] == [1]
    assert r["hits"] and not ({h["id"] for h in r["hits"]} & on_1)
    with pytest.raises(ShardUnavailable):
        sc.add([{"id": d["id"], "text": "x"} for d in docs[:20]])
    # The nanny restarts the worker; the shard reopens from its directory.
    wait_for_workers(client, 3)
    assert sc.recover() == [(1, 0)]
    after = sc.search("river stone", k=200, snippet=False)
    assert not after["partial"]
    assert_same_hits(after["hits"], before, "after recovery")
    sc.drop()


def test_replica_serves_a_shard_whose_worker_died(client, tmp_path):
    # Last in the file: these tests kill workers of the module's cluster (the nannies restart them).
    wait_for_workers(client, 3)
    docs = generated_docs(150)
    sc = ShardedCollection.create(client, str(tmp_path / "sc"), shards=2, replication=2, embedder="none")
    assert all(len(set(w)) == 2 for w in sc.replica_workers)  # replicas on different workers
    sc.add(docs)
    sc.commit()
    assert sc.stats()["documents"] == len(docs)  # each document counted once (one replica per shard)
    queries = generated_queries(20, seed=31)
    before = [sc.search(q, k=10, snippet=False)["hits"] for q in queries]
    on_0 = next(h["id"] for h in before[0] if shard_of(h["id"], 2) == 0)
    explained = sc.explain(queries[0], on_0)
    os.kill(sc._actors[0][0].pid().result(), 9)  # shard 0's first replica
    for q, want in zip(queries, before):
        got = sc.search(q, k=10, snippet=False)
        assert not got["partial"]
        assert_same_hits(got["hits"], want, q)
    assert sc.explain(queries[0], on_0) == explained
    # Writes need every replica: refused (and named) until the replica is back.
    with pytest.raises(ShardUnavailable, match="writes need every replica"):
        sc.add([d for d in docs if shard_of(d["id"], 2) == 0][:3])
    wait_for_workers(client, 3)
    assert sc.recover() == [(0, 0)]
    sc.add([{"id": "late", "text": "river river river quartz"}])
    sc.commit()
    assert sc.search("quartz river", k=1)["hits"][0]["id"] == "late"
    # Both replicas of the late document's shard hold it.
    s = shard_of("late", 2)
    assert all(a.get("late", {}).result()["id"] == "late" for a in sc._actors[s])
    sc.drop()
