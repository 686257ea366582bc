// Reads files through the ingestion readers (no indexing) and reports what
// came out: documents, pages, characters and seconds per file, as JSON lines.
// Used by bench/readers/run.sh.
//
// --check-words: for each PDF, also compares every page's words (split at
// spaces) with poppler's own page text (page::text, what `pdftotext` writes)
// and reports the pages whose words differ and the words (letters and digits
// only) of poppler's text missing from the reader's, as a multiset; with the
// environment variable SHOW_MISSING set, each missing word on stderr ("pN word").
//
// usage: read_docs [--ocr-languages L] [--check-words] FILE...
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include "ingest/reader.h"

namespace {

std::vector<std::string> Split(std::string s, bool alnum_only) {
  if (alnum_only)
    for (char& c : s)
      if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c))) c = ' ';
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Pages whose words differ from poppler's page text, and poppler's words missing.
void CheckWords(const std::string& file, const glassbox::ingest::SourceDocument& doc) {
  std::unique_ptr<poppler::document> pdf(poppler::document::load_from_file(file));
  if (pdf == nullptr || doc.pages.empty()) return;
  size_t differ = 0, words = 0, missing = 0, page_i = 0;
  for (int i = 0; i < pdf->pages(); ++i) {
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    poppler::byte_array b = page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    std::string want(b.begin(), b.end());
    std::string got;
    while (page_i < doc.pages.size() && doc.pages[page_i].number < i + 1) ++page_i;
    if (page_i < doc.pages.size() && doc.pages[page_i].number == i + 1)
      got = doc.body.substr(doc.pages[page_i].begin, doc.pages[page_i].end - doc.pages[page_i].begin);
    if (Split(want, false) != Split(got, false)) ++differ;
    std::map<std::string, long> count;
    for (const auto& w : Split(got, true)) ++count[w];
    for (const auto& w : Split(want, true)) {
      ++words;
      if (--count[w] < 0) { ++missing; if (std::getenv("SHOW_MISSING")) std::fprintf(stderr, "p%d %s\n", i + 1, w.c_str()); }
    }
  }
  std::printf("{\"file\": \"%s\", \"pages\": %d, \"pages_with_other_words\": %zu, \"poppler_words\": %zu, "
              "\"missing_words\": %zu}\n", file.c_str(), pdf->pages(), differ, words, missing);
}

}  // namespace

int main(int argc, char** argv) {
  glassbox::ReaderOptions options;
  int rc = 0;
  bool check_words = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--check-words") {
      check_words = true;
      continue;
    }
    if (arg == "--ocr-languages" && i + 1 < argc) {
      options.ocr_languages = argv[++i];
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    auto docs = glassbox::ingest::ReadFile(arg, options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!docs.ok()) {
      std::fprintf(stderr, "error: %s\n", docs.status().message().c_str());
      rc = 1;
      continue;
    }
    size_t pages = 0, chars = 0;
    for (const auto& d : docs.value()) {
      pages += d.pages.size();
      chars += d.body.size();
    }
    std::printf("{\"file\": \"%s\", \"documents\": %zu, \"pages\": %zu, \"bytes\": %zu, \"seconds\": %.4f}\n", arg.c_str(),
                docs.value().size(), pages, chars, seconds);
    if (check_words && arg.size() > 4 && arg.compare(arg.size() - 4, 4, ".pdf") == 0 && docs.value().size() == 1)
      CheckWords(arg, docs.value()[0]);
  }
  return rc;
}
