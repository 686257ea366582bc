"""Collection.ask(): answers with verified citations, the same options and access control as search."""
import pytest

import glassbox


def make(tmp_path):
    c = glassbox.Collection.create(str(tmp_path / "kb"), embedder="none")
    c.add("price", text="Bagged cement costs 468 CNY per tonne from 1 January 2026.", title="Cement",
          metadata={"page": 2})
    c.add("secret", text="The secret bonus for cement traders is 900 CNY per tonne.",
          metadata={"acl_users": ["boss"]})
    c.add("leave", text="Annual leave is 25 days a year.")
    c.commit()
    return c


def test_ask_answers_with_citation(tmp_path):
    c = make(tmp_path)
    a = c.ask("How much does bagged cement cost per tonne?", max_passages=3, mode="bm25")
    assert a["status"] == "answered"
    assert "468" in a["answer"]
    cite = a["citations"][0]
    assert cite["id"] == "price" and cite["page"] == 2 and cite["verified"]
    assert "468" in cite["quote"]
    assert set(a["timings_ms"]) == {"retrieve", "read", "verify"}
    assert any(t["step"] == "span" for t in a["trace"])


def test_ask_access_control_and_errors(tmp_path):
    c = make(tmp_path)
    a = c.ask("What is the secret bonus for cement traders?", user="ann")
    assert all(p["id"] != "secret" for p in a["passages"])
    assert "900" not in a["answer"]
    b = c.ask("What is the secret bonus for cement traders?", user="boss")
    assert "900" in b["answer"]
    with pytest.raises(ValueError):
        c.ask("x", unsupported="maybe")
    with pytest.raises(ValueError):
        c.ask("   ")
    nf = c.ask("Who painted the Mona Lisa?")
    assert nf["status"] == "not_found"


def test_ask_generative_in_process_errors(tmp_path):
    c = make(tmp_path)
    # A missing GGUF model is a clear error naming the file, not a crash.
    with pytest.raises(glassbox.NotFound, match="none.gguf"):
        c.ask("How much does bagged cement cost?", answer_mode="generative", llm_gguf=str(tmp_path / "none.gguf"))
    bad = tmp_path / "bad.gguf"
    bad.write_text("not a model")
    with pytest.raises(ValueError, match="not a GGUF model file"):
        c.ask("How much does bagged cement cost?", answer_mode="generative", llm_gguf=str(bad))
    with pytest.raises(ValueError, match="on_token"):
        c.ask("How much does bagged cement cost?", answer_mode="generative", llm_gguf=str(bad), on_token=3)
