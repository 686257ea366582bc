"""The same search through the library (Python), the CLI and the HTTP server
gives identical hits, scores and explanations: the three accept the options of
one table (glassbox/request.h) and run the same request."""
import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest

import glassbox

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KB = os.path.join(REPO, "examples", "kb")
BIN = os.environ.get("GLASSBOX_BIN", "")

pytestmark = pytest.mark.skipif(not os.path.exists(BIN), reason="GLASSBOX_BIN (the glassbox command) not set")

# name -> (python kwargs value, CLI flag value, JSON value)
OPTIONS = {
    "mode": ("hybrid", "hybrid", "hybrid"),
    "fusion": ("rrf", "rrf", "rrf"),
    "weights": ((0.7, 0.3), "bm25=0.7,vector=0.3", {"bm25": 0.7, "vector": 0.3}),
    "rrf_k": (30.0, "30", 30),
    "candidates": (50, "50", 50),
    "algorithm": ("maxscore", "maxscore", "maxscore"),
    "facets": (["supplier", "material"], "supplier,material", ["supplier", "material"]),
}


def summary(resp):
    out = []
    for h in resp["hits"]:
        ex = h.get("explanation") or {}
        terms = [(t["term"], round(t["contribution"], 9)) for t in ex.get("terms", [])]
        parts = [(r["retriever"], r["rank"], round(r["raw"], 9), round(r["contribution"], 9))
                 for r in h.get("retrievers", [])]
        out.append((h["id"], round(h["score"], 9), terms, parts))
    return out


def test_library_cli_and_server_agree(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    coll = data / "kb"
    c = glassbox.Collection.create(str(coll))
    c.ingest([KB])
    query = "how many days of annual leave"
    py = c.search(query, k=5, explain=True, snippet=False,
                  **{name: v[0] for name, v in OPTIONS.items()})
    # Why-not on the same request, for a document just below the cut.
    deeper = c.search(query, k=10, snippet=False, **{name: v[0] for name, v in OPTIONS.items()})
    below = deeper["hits"][7]["id"]
    py_why = c.why_not(query, below, k=5,
                       **{name: v[0] for name, v in OPTIONS.items() if name not in ("algorithm", "facets")})
    assert py_why["reason"] == "ranked_below" and py_why["rank"] == 8, py_why
    assert py_why["mode"] == "hybrid" and len(py_why["retrievers"]) == 2
    cement = c.search("cement", mode="bm25", facets=["supplier"])
    assert cement["total_exact"] and cement["facets"]["supplier"][0]["count"] > 0, cement["facets"]
    del c
    assert py["hits"], "the example knowledge base should answer"

    flags = []
    for name, v in OPTIONS.items():
        flags += ["--" + name.replace("_", "-"), v[1]]
    cli = subprocess.run([BIN, "search", str(coll), query, "-k", "5", "--explain", "--no-snippet", "--json"] + flags,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    cli_resp = json.loads(cli.stdout)
    why = subprocess.run([BIN, "explain", str(coll), query, below, "-k", "5", "--json"] + flags,
                         capture_output=True, text=True, timeout=120)
    assert why.returncode == 0, why.stderr
    cli_why = json.loads(why.stdout)["why"]

    server = subprocess.Popen([BIN, "serve", "--data", str(data), "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = int(re.search(r":(\d+)", line.split("http://")[1]).group(1))
        body = {"query": query, "k": 5, "explain": True, "snippet": False}
        body.update({name: v[2] for name, v in OPTIONS.items()})
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/collections/kb/search",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            http_resp = json.loads(r.read())
        body = {"query": query, "id": below, "k": 5}
        body.update({name: v[2] for name, v in OPTIONS.items()})
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/collections/kb/explain",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            http_why = json.loads(r.read())["why"]
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert py["mode"] == cli_resp["mode"] == http_resp["mode"] == "hybrid"
    assert py["fusion"] == cli_resp["fusion"] == http_resp["fusion"]
    assert summary(py) == summary(cli_resp) == summary(http_resp)
    assert py["facets"] == cli_resp["facets"] == http_resp["facets"]
    assert set(py["facets"]) == {"supplier", "material"}, py["facets"]
    assert all(h["retrievers"] for h in py["hits"])
    for w in (cli_why, http_why):
        assert (w["reason"], w["rank"], w["message"]) == (py_why["reason"], py_why["rank"], py_why["message"])
        assert round(w["score"], 9) == round(py_why["score"], 9)


def test_the_same_bad_option_is_refused_everywhere(tmp_path):
    coll = tmp_path / "kb"
    c = glassbox.Collection.create(str(coll), embedder="none")
    c.add("a", text="annual leave")
    c.commit()
    with pytest.raises(glassbox.InvalidArgument, match="rrf_k"):
        c.search("leave", rrf_k=0)
    with pytest.raises(glassbox.InvalidArgument, match="algorithm"):
        c.search("leave", algorithm="quick")
    with pytest.raises(glassbox.InvalidArgument, match="weights"):
        c.search("leave", weights=(-1.0, 1.0))
    del c
    cli = subprocess.run([BIN, "search", str(coll), "leave", "--rrf-k", "0"], capture_output=True, text=True)
    assert cli.returncode == 3 and "rrf_k" in cli.stderr
    cli = subprocess.run([BIN, "search", str(coll), "leave", "--weights", "-1,1"], capture_output=True, text=True)
    assert cli.returncode == 3 and "negative" in cli.stderr, cli.stderr
    cli = subprocess.run([BIN, "search", str(coll), "leave", "--algorithm", "block-max-wand", "--json"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
