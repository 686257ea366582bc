#!/usr/bin/python3
"""Fidelity of the document readers (issue 11, point 5).

One source, tests/fixtures/fidelity/handbook.md (five sections, a table, English and Chinese), is converted at test
time by Debian's tools (pandoc: DOCX, HTML, ODT; ReportLab: PDF; tests/fixtures/fidelity/convert.py) and each file
is ingested by `glassbox ingest`. Asserted for every format:
  - the searchable text has the source's words in the source's order within each section (whitespace, markup and
    table rules aside; Chinese compared character by character);
  - the same queries find the same section first.
ODT is included when Glassbox reads it (a reader is registered), else left out with a note.
Exit 77 (ctest: skipped) with a message naming the missing tool when pandoc, ReportLab or the CJK font is absent.

usage: fidelity_test.py GLASSBOX_BINARY REPO_ROOT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

GLASSBOX = sys.argv[1] if len(sys.argv) > 1 else "build/glassbox"
ROOT = sys.argv[2] if len(sys.argv) > 2 else "."
FIX = os.path.join(ROOT, "tests", "fixtures", "fidelity")
SOURCE = os.path.join(FIX, "handbook.md")
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# query -> heading of the section that must come first
QUERIES = {
    "auger depth": "Sampling",
    "quarry edge samples": "Sampling",
    "courier depot Tuesdays": "Shipping",
    "安全帽": "安全须知",
    "雷雨天气": "安全须知",
    "laboratory results ledger": "Reporting",
    "survey crew truck": "Field Handbook",
}


def words(text):
    """Words in order: runs of letters and digits; each CJK character on its own."""
    out = []
    for w in re.findall(r"[^\W_]+", text):
        out.extend(re.findall(r"[\u3400-\u9fff]|[^\u3400-\u9fff]+", w))
    return out


def source_sections():
    """[(heading, words)] of the Markdown source; table cells row by row, rule lines dropped."""
    sections = []
    for line in open(SOURCE, encoding="utf-8"):
        s = line.strip()
        if s.startswith("#"):
            sections.append((s.lstrip("#").strip(), []))
        elif s and not set(s) <= set("|-: "):
            sections[-1][1].extend(words(s))
    return [(h, words(h) + w) for h, w in sections]


def split_sections(tokens, headings):
    """Cuts a word list at each heading in order; returns [(heading, words from that heading on)]."""
    starts, at = [], 0
    for h in headings:
        hw = words(h)
        i = next((i for i in range(at, len(tokens) - len(hw) + 1) if tokens[i:i + len(hw)] == hw), None)
        if i is None:
            raise AssertionError(f"heading {h!r} not found in order in the text: {' '.join(tokens)}")
        starts.append(i)
        at = i + len(hw)
    starts.append(len(tokens))
    return [(h, tokens[starts[k]:starts[k + 1]]) for k, h in enumerate(headings)]


def run(*args):
    p = subprocess.run([GLASSBOX, *args], capture_output=True, text=True, timeout=120)
    return p


def js(*args):
    p = run(*args, "--json")
    assert p.returncode == 0, f"{args}: rc {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return json.loads(p.stdout)


def missing_tools():
    missing = []
    if shutil.which("pandoc") is None:
        missing.append("pandoc (Debian package pandoc)")
    try:
        import reportlab  # noqa: F401
    except ImportError:
        missing.append("ReportLab (python3-reportlab)")
    if not os.path.exists(FONT):
        missing.append(f"{FONT} (fonts-wqy-microhei)")
    return missing


class FidelityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gb_fidelity_")
        out = subprocess.run(["/usr/bin/python3", os.path.join(FIX, "convert.py"), SOURCE, cls.tmp],
                             check=True, capture_output=True, text=True).stdout.split()
        cls.files = {os.path.splitext(p)[1][1:]: p for p in out}
        probe = run("ingest", os.path.join(cls.tmp, "probe"), cls.files["odt"], "--embedder", "none", "--quiet")
        if probe.returncode != 0:
            print(f"note: ODT left out, Glassbox does not read it: {probe.stderr.strip()}", file=sys.stderr)
            del cls.files["odt"]
        print(f"formats: {' '.join(sorted(cls.files))}", file=sys.stderr)
        cls.sections = source_sections()
        cls.headings = [h for h, _ in cls.sections]
        cls.bodies, cls.colls = {}, {}
        for fmt, path in cls.files.items():
            # One collection with whole documents (PDF: pages) to read the text back, one with short passages.
            full = os.path.join(cls.tmp, f"{fmt}_full")
            r = js("ingest", full, path, "--embedder", "none", "--chunk-chars", "0")
            assert r["files_ok"] == 1 and r["files_failed"] == 0, r
            cls.bodies[fmt] = cls.read_back(full)
            cls.colls[fmt] = os.path.join(cls.tmp, f"{fmt}_passages")
            r = js("ingest", cls.colls[fmt], path, "--embedder", "none", "--chunk-chars", "60", "--overlap", "0")
            assert r["files_ok"] == 1 and r["chunks"] >= 4, (fmt, r)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @staticmethod
    def read_back(coll):
        """The document's body (UTF-8 bytes) rebuilt from its passages' text and offsets."""
        hits = js("search", coll, "handbook", "--mode", "bm25", "-k", "1")["hits"]
        doc_id = hits[0]["metadata"]["doc_id"]
        passages = []
        for pid in [doc_id] + [f"{doc_id}#{n}" for n in range(1, 50)]:
            p = run("get", coll, pid, "--json")
            if p.returncode != 0:
                if pid != doc_id:
                    break
                continue
            d = json.loads(p.stdout)
            passages.append((int(d["metadata"]["start"]), d["fields"]["body"].encode()))
        body = bytearray()
        for start, text in sorted(passages):
            body[start:start + len(text)] = text
        return bytes(body)

    def section_at(self, fmt, offset):
        """Heading of the source section that the byte offset of fmt's body falls in."""
        body = self.bodies[fmt]
        before = words(body[:offset].decode("utf-8", "ignore"))
        cut = split_sections(words(body.decode()), self.headings)
        n = 0
        for h, w in cut:
            n += len(w)
            if len(before) < n:
                return h
        return self.headings[-1]

    def test_formats_are_covered(self):
        for fmt in ("docx", "html", "pdf"):
            self.assertIn(fmt, self.files)

    def test_same_words_in_the_same_order_within_each_section(self):
        for fmt in self.files:
            with self.subTest(fmt=fmt):
                got = split_sections(words(self.bodies[fmt].decode()), self.headings)
                for (h, want), (_, have) in zip(self.sections, got):
                    self.assertEqual(" ".join(have), " ".join(want), f"{fmt}, section {h!r}")

    def test_same_queries_find_the_same_sections(self):
        for query, heading in QUERIES.items():
            for fmt, coll in self.colls.items():
                with self.subTest(fmt=fmt, query=query):
                    hits = js("search", coll, query, "--mode", "bm25", "-k", "1")["hits"]
                    self.assertTrue(hits, f"{fmt}: no hit for {query!r}")
                    m = hits[0]["metadata"]
                    self.assertEqual(self.section_at(fmt, int(m["start"])), heading, f"{fmt}: {query!r} -> {hits[0]}")
                    if fmt in ("docx", "odt", "html") and heading != self.headings[0]:
                        # Readers with heading structure also say so in the hit's own provenance.
                        self.assertTrue(str(m.get("section", "")).endswith(heading), f"{fmt}: {m}")
                    if fmt == "pdf":
                        self.assertEqual(m["page"], 1, m)


if __name__ == "__main__":
    missing = missing_tools()
    if missing:
        print("SKIPPED: the fidelity test needs " + ", ".join(missing) + "; scripts/setup.sh installs them",
              file=sys.stderr)
        sys.exit(77)
    sys.argv[1:] = []
    unittest.main(verbosity=2)
