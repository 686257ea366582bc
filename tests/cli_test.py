#!/usr/bin/python3
"""End-to-end tests of the `glassbox` command on the bundled example knowledge base.

usage: cli_test.py GLASSBOX_BINARY REPO_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

GLASSBOX = sys.argv[1] if len(sys.argv) > 1 else "build/glassbox"
ROOT = sys.argv[2] if len(sys.argv) > 2 else "."
KB = os.path.join(ROOT, "examples", "kb")


def run(*args, check_rc=None):
    p = subprocess.run([GLASSBOX, *args], capture_output=True, text=True, timeout=120)
    if check_rc is not None:
        assert p.returncode == check_rc, f"{args}: rc {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def js(*args, rc=0):
    p = run(*args, "--json", check_rc=rc)
    return json.loads(p.stdout)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gb_cli_")
        cls.kb = os.path.join(cls.tmp, "kb")
        report = js("ingest", cls.kb, KB, "--exclude", "README.md")
        assert report["files_failed"] == 0, report
        assert report["chunks"] > 100, report

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_search_finds_expected_documents(self):
        r = js("search", self.kb, "cement price per tonne")
        self.assertTrue(r["hits"][0]["id"].endswith("faq/faq.md#5"), r["hits"][0]["id"])
        ids = [h["id"] for h in r["hits"][:3]]
        self.assertTrue(any("faq.md" in i or "cement" in i for i in ids), ids)
        self.assertIn("[", r["hits"][0]["snippet"])  # highlighted terms

    def test_traditional_chinese_finds_simplified(self):
        r = js("search", self.kb, "報銷", "-k", "5")
        self.assertTrue(r["hits"], r)
        text = json.dumps(r["hits"][0], ensure_ascii=False)
        self.assertIn("报销", text)

    def test_filters(self):
        r = js("search", self.kb, "priority:high", "-k", "50")
        self.assertEqual(len(r["hits"]), 9)
        for h in r["hits"]:
            self.assertEqual(h["metadata"]["priority"], "high")
        r = js("search", self.kb, "cement date:[2024-01-01 TO 2026-12-31]", "-k", "100", "--mode", "bm25")
        self.assertTrue(r["hits"])
        for h in r["hits"]:
            self.assertGreaterEqual(h["metadata"]["date"], "2024-01-01")
            self.assertEqual(h["metadata"]["material"], "cement")

    def test_explanation_sums_to_score(self):
        r = js("search", self.kb, "annual leave carry-over", "--explain", "-k", "5", "--mode", "bm25")
        for h in r["hits"]:
            e = h["explanation"]
            self.assertAlmostEqual(sum(t["contribution"] for t in e["terms"]), h["score"], places=5)
        r = js("search", self.kb, "annual leave carry-over", "--explain", "-k", "5", "--mode", "hybrid",
               "--fusion", "minmax", "--weights", "0.7,0.3")
        self.assertEqual(r["mode"], "hybrid")
        for h in r["hits"]:
            parts = {p["retriever"]: p for p in h["retrievers"]}
            self.assertAlmostEqual(sum(p["contribution"] for p in parts.values()), h["score"], places=9)
            if "explanation" in h:
                bm25 = sum(t["contribution"] for t in h["explanation"]["terms"])
                self.assertAlmostEqual(bm25, parts["bm25"]["raw"], places=5)
            self.assertTrue(h["similar_words"], h)

    def test_explain_and_why_not(self):
        top = js("search", self.kb, "cement", "-k", "1")["hits"][0]["id"]
        r = js("explain", self.kb, "cement", top, "-k", "1")
        self.assertEqual(r["why"]["reason"], "in_top_k")
        self.assertTrue(r["explanation"]["matched"])
        r = js("explain", self.kb, "+cement -steel", "T-1001")
        self.assertIn(r["why"]["reason"], ("missing_terms", "excluded"))
        r = js("explain", self.kb, "cement", "no-such-id", rc=4)
        self.assertEqual(r["why"]["reason"], "no_such_document")

    def test_get_delete_stats(self):
        tmp = os.path.join(self.tmp, "small")
        js("init", tmp, "--analyzer", "english")
        js("ingest", tmp, os.path.join(KB, "data", "tickets.jsonl"))
        self.assertEqual(js("stats", tmp)["documents"], 30)
        d = js("get", tmp, "T-1003")
        self.assertIn("bank", json.dumps(d).lower())
        r = js("delete", tmp, "T-1003", "T-9999", rc=4)
        self.assertEqual(r["deleted"], ["T-1003"])
        self.assertEqual(r["not_found"], ["T-9999"])
        self.assertEqual(js("stats", tmp)["documents"], 29)
        js("get", tmp, "T-1003", rc=4)
        self.assertEqual(js("merge", tmp)["segments"], 1)

    def test_errors_have_codes_and_messages(self):
        r = js("search", self.kb, '"unterminated', rc=3)
        self.assertEqual(r["error"]["code"], "invalid_argument")
        self.assertIn("phrase", r["error"]["message"])
        r = js("search", self.kb, "nosuchfield:x", rc=3)
        self.assertIn("nosuchfield", r["error"]["message"])
        r = js("search", os.path.join(self.tmp, "missing"), "x", rc=4)
        self.assertEqual(r["error"]["code"], "not_found")
        p = run("search", check_rc=2)
        self.assertIn("usage", p.stderr)
        p = run("frobnicate", check_rc=2)
        p = run("search", self.kb, "x", "--bogus", check_rc=2)
        self.assertIn("--bogus", p.stderr)

    def test_bad_files_are_skipped_with_a_clear_error(self):
        src = os.path.join(self.tmp, "mixed")
        os.makedirs(src)
        with open(os.path.join(src, "good.txt"), "w") as f:
            f.write("Good file\n\nAll about gravel.\n")
        with open(os.path.join(src, "bad.jsonl"), "w") as f:
            f.write('{"id": "1", "text": "fine"}\n{"id": "2", "text": broken}\n')
        with open(os.path.join(src, "bad.csv"), "w") as f:
            f.write('a,b\n1,"unterminated\n')
        with open(os.path.join(src, "anim.gif"), "wb") as f:
            f.write(b"GIF89a")
        coll = os.path.join(self.tmp, "mixed_coll")
        r = js("ingest", coll, src, rc=5)
        self.assertEqual(r["files_ok"], 1)
        self.assertEqual(r["files_failed"], 2)
        self.assertEqual(r["files_skipped"], 1)  # anim.gif: walked, no reader for its type
        paths = sorted(os.path.basename(e["path"]) for e in r["errors"])
        self.assertEqual(paths, ["bad.csv", "bad.jsonl"])
        for e in r["errors"]:
            self.assertIn("line", e["message"])
        # Nothing from the bad jsonl file was added (whole file skipped).
        self.assertEqual(js("stats", coll)["documents"], 1)
        self.assertEqual(js("search", coll, "fine", "--mode", "bm25")["hits"], [])
        # Named, an unsupported file fails, with an error that says what it is.
        r = js("ingest", coll, os.path.join(src, "anim.gif"), rc=5)
        self.assertEqual(r["files_failed"], 1)
        self.assertEqual(r["errors"][0]["message"],
                         "GIF images are not supported yet (no reader registered for image/gif)")
        p = run("ingest", coll, src, "--quiet", check_rc=5)
        self.assertIn("1 file(s) skipped (no reader for their type)", p.stdout)

    def test_bench_reads_the_corpus_as_ingest_does(self):
        # Numeric ids are accepted by `ingest`; bench aborted on them (uncaught JSON type error).
        corpus = os.path.join(self.tmp, "bench_corpus.jsonl")
        with open(corpus, "w") as f:
            f.write('{"id": 1, "text": "gravel and cement"}\n{"id": "two", "text": "cement prices"}\n')
        queries = os.path.join(self.tmp, "bench_queries.jsonl")
        with open(queries, "w") as f:
            f.write('{"query": "cement", "tags": ["single"]}\n')
        coll = os.path.join(self.tmp, "bench_coll")
        r = js("bench", "--collection", coll, "--corpus", corpus, "--queries", queries, "--repeat", "1",
               "--warmup", "0")
        self.assertEqual(r["docs"], 2)
        self.assertEqual(js("get", coll, "1")["id"], "1")
        # A bad line is an error naming the file and line, never an abort.
        bad = os.path.join(self.tmp, "bench_bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"id": "a", "text": "fine"}\n{"id": {"nested": 1}, "text": "x"}\n')
        p = run("bench", "--collection", os.path.join(self.tmp, "bench_bad"), "--corpus", bad, check_rc=3)
        self.assertIn("bench_bad.jsonl:2", p.stderr)
        self.assertIn("id", p.stderr)
        badq = os.path.join(self.tmp, "bench_badq.jsonl")
        with open(badq, "w") as f:
            f.write('{"query": 42, "tags": [7]}\n')
        p = run("bench", "--collection", coll, "--queries", badq, check_rc=3)
        self.assertIn("bench_badq.jsonl:1", p.stderr)

    def test_document_formats_end_to_end(self):
        # PDF, DOCX and XLSX generated by tests/fixtures/make_documents.py: each is searchable with its provenance.
        gen = os.path.join(self.tmp, "docs_gen")
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests", "fixtures", "make_documents.py"), gen],
                       check=True)
        src = os.path.join(self.tmp, "docs_src")
        os.makedirs(src)
        for name in ("report.pdf", "policy.docx", "ledger.xlsx"):
            shutil.copy(os.path.join(gen, name), src)
        coll = os.path.join(self.tmp, "docs_coll")
        # Short passages, so that the PDF's pages are passages of their own (a passage carries its first page).
        r = js("ingest", coll, src, "--chunk-chars", "60", "--overlap", "0")
        self.assertEqual(r["files_ok"], 3, r)
        self.assertEqual(r["files_failed"], 0, r)

        def top(query):
            hits = js("search", coll, query, "--mode", "bm25")["hits"]
            self.assertTrue(hits, query)
            return hits[0]

        h = top("marmalade")
        self.assertIn("report.pdf", h["id"])
        self.assertEqual(h["metadata"]["page"], 2, h)
        h = top("quokka")
        self.assertIn("policy.docx", h["id"])
        self.assertEqual(h["metadata"]["section"], "Leave > Sick leave", h)
        h = top("capybara")
        self.assertIn("ledger.xlsx", h["id"])
        self.assertEqual(h["metadata"]["sheet"], "Purchases", h)

        # Default passages: chunks never span pages, and a PDF hit carries its box on its page
        # (report.pdf page 2: lines drawn at x 72, baselines 760 and 740 points from the bottom of A4).
        coll2 = os.path.join(self.tmp, "docs_coll2")
        js("ingest", coll2, os.path.join(src, "report.pdf"))
        h = js("search", coll2, "marmalade", "--mode", "bm25")["hits"][0]
        self.assertEqual(h["metadata"]["page"], 2, h)
        self.assertNotIn("aardvark", h["fields"]["body"], h)
        self.assertEqual(h["metadata"]["page_size"], "595.3x841.9", h)
        x0, y0, x1, y1 = map(float, h["metadata"]["bbox"].split(","))
        self.assertTrue(70 <= x0 <= 74 and 65 <= y0 <= 82 and 100 <= y1 <= 110 and x1 > 300, h)
        g = js("get", coll2, h["id"])
        self.assertEqual(g["metadata"]["bbox"], h["metadata"]["bbox"], g)

    def test_an_explicitly_named_unsupported_file_fails(self):
        png = os.path.join(self.tmp, "picture.gif")
        with open(png, "wb") as f:
            f.write(b"GIF89a")
        coll = os.path.join(self.tmp, "png_coll")
        r = js("ingest", coll, png, rc=5)
        self.assertEqual(r["files_failed"], 1, r)
        self.assertEqual(r["errors"][0]["path"], png)
        self.assertIn("not supported", r["errors"][0]["message"])

    def test_control_characters_in_ids_are_rejected(self):
        src = os.path.join(self.tmp, "ctl.jsonl")
        with open(src, "w") as f:
            f.write('{"id": "a\\nb", "text": "newline id"}\n')
        p = run("ingest", os.path.join(self.tmp, "ctl_coll"), src)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("control character", p.stdout + p.stderr)

    def test_serve_checks_allowed_embedders(self):
        p = run("serve", "--data", os.path.join(self.tmp, "serve_data"), "--port", "0",
                "--allow-embedder", "bogus-spec", check_rc=2)
        self.assertIn("--allow-embedder", p.stderr)
        self.assertIn("--allow-embedder", run("serve", "--help", check_rc=0).stdout)
        p = run("serve", "--data", os.path.join(self.tmp, "serve_data"), "--port", "0", "--slow-ms", "soon",
                check_rc=2)
        self.assertIn("--slow-ms", p.stderr)
        self.assertIn("--slow-ms", run("serve", "--help", check_rc=0).stdout)

    def test_files_setting_is_checked(self):
        env = dict(os.environ, GLASSBOX_FILES="disk")
        p = subprocess.run([GLASSBOX, "search", self.kb, "cement price per tonne"], capture_output=True,
                           text=True, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('GLASSBOX_FILES is "disk"', p.stderr)
        hits = []
        for files in ("memory", "mapped"):
            env = dict(os.environ, GLASSBOX_FILES=files)
            p = subprocess.run([GLASSBOX, "search", self.kb, "cement price per tonne", "--json"],
                               capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            hits.append([(h["id"], h["score"]) for h in json.loads(p.stdout)["hits"]])
        self.assertTrue(hits[0])
        self.assertEqual(hits[0], hits[1])

    def test_help_for_every_command(self):
        for cmd in ["init", "ingest", "search", "explain", "get", "delete", "stats", "merge", "eval", "bench"]:
            p = run(cmd, "--help", check_rc=0)
            self.assertIn("usage: glassbox " + cmd, p.stdout)

    # ---- ask, ingest-faq, eval-answers, eval-faq (issue 9) ----

    def test_ask_answers_with_verified_citation(self):
        r = js("ask", self.kb, "How many days of annual leave do employees get?")
        self.assertEqual(r["status"], "answered", r)
        c = r["citations"][0]
        self.assertIn("days", c["quote"])
        self.assertTrue(c["verified"] and r["verified"], r)
        body = js("get", self.kb, c["id"])["fields"]["body"].encode()
        self.assertEqual(body[c["start"]:c["end"]].decode(), c["quote"])  # byte offsets into the passage
        self.assertEqual([t["step"] for t in r["trace"]][0], "retrieve")
        text = run("ask", self.kb, "年假有多少天？", check_rc=0).stdout
        self.assertIn("天", text.splitlines()[1])
        self.assertIn("trace:", text)

    def test_ask_not_found_and_bad_input(self):
        r = js("ask", self.kb, "Who painted the Mona Lisa?")
        self.assertEqual(r["status"], "not_found", r)
        self.assertTrue(r["passages"])  # the closest passages come with it
        run("ask", self.kb, "   ", check_rc=3)
        run("ask", self.kb, "x", "--unsupported", "maybe", check_rc=3)

    def test_faq_ingest_answer_and_handoff(self):
        src = os.path.join(self.tmp, "faq.jsonl")
        with open(src, "w") as f:
            f.write('{"id": "pw", "question": "How do I reset my password?", "answer": "Open Settings, then Reset."}\n')
            f.write('{"id": "dog", "question": "Can I bring my dog to the office?", "answer": "Only guide dogs."}\n')
        coll = os.path.join(self.tmp, "faq_coll")
        self.assertEqual(js("ingest-faq", coll, src)["entries"], 2)
        r = js("ask", coll, "how can I reset the password", "--faq")
        self.assertEqual((r["status"], r["faq_id"], r["answer"]), ("answered", "pw", "Open Settings, then Reset."))
        h = js("ask", coll, "reset the password of my dog", "--faq", "--handoff-threshold", "0.99")
        self.assertEqual(h["status"], "handoff", h)
        self.assertLessEqual(len(h["passages"]), 3)

    def test_eval_answers_and_faq_on_small_sets(self):
        d = os.path.join(self.tmp, "qa")
        os.makedirs(os.path.join(d, "qrels"), exist_ok=True)
        with open(os.path.join(d, "corpus.jsonl"), "w") as f:
            f.write('{"_id": "p1", "title": "T", "text": "The bridge opened in 1932. It cost 4 million dollars."}\n')
            f.write('{"_id": "p2", "title": "U", "text": "Annual leave is 25 days. Sick leave is paid."}\n')
        with open(os.path.join(d, "queries.jsonl"), "w") as f:
            f.write('{"_id": "q1", "text": "When did the bridge open?"}\n{"_id": "q2", "text": "How many days of annual leave?"}\n')
        with open(os.path.join(d, "answers.jsonl"), "w") as f:
            f.write('{"query-id": "q1", "corpus-id": "p1", "answers": ["1932"]}\n')
            f.write('{"query-id": "q2", "corpus-id": "p2", "answers": ["25 days"]}\n')
        with open(os.path.join(d, "qrels", "test.tsv"), "w") as f:
            f.write("query-id\tcorpus-id\tscore\nq1\tp1\t1\nq2\tp2\t1\n")
        preds = os.path.join(self.tmp, "preds.jsonl")
        r = js("eval-answers", "--dataset", d, "--gold-passage", "--predictions-out", preds)
        self.assertEqual(r["glassbox"]["questions"], 2)
        self.assertEqual(r["glassbox"]["em"], 100.0, r)
        self.assertIn("baseline_bm25_sentence", r)
        with open(preds) as fp:
            lines = [json.loads(x) for x in fp]
        self.assertEqual([x["query-id"] for x in lines], ["q1", "q2"])
        self.assertEqual(lines[0]["citations"][0]["id"], "p1")
        e = js("eval-answers", "--dataset", d)
        self.assertEqual(e["retrieval_recall"], 100.0, e)
        f = js("eval-faq", "--dataset", d)
        self.assertEqual(f["faq"]["top1"], 100.0, f)
        self.assertTrue(f["threshold_table"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
