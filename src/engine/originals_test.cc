// The collection's copies of originals (ingest/originals.h): removed when no
// document names them any more (a re-ingested changed file, deleted
// documents), and not re-hashed on every page request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "glassbox/collection.h"
#include "glassbox/ingest.h"
#include "ingest/originals.h"

namespace glassbox {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("gb_originals_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A one-page PDF showing `text` in Helvetica (objects and xref written here).
std::string OnePagePdf(const std::string& text) {
  std::string content = "BT /F1 12 Tf 72 700 Td (" + text + ") Tj ET";
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::set<std::string> Copies(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "originals", ec)) out.insert(e.path().filename());
  return out;
}

TEST(OriginalsTest, CopiesNoDocumentNamesAreRemoved) {
  const std::string root = TempDir("gc");
  const std::string dir = root + "/c", file = root + "/a.pdf";
  CollectionOptions co;
  co.embedder = "none";
  auto c = Collection::Create(dir, co);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  IngestOptions o;
  o.paths = {file};
  o.reader.ocr_languages = "";

  const std::string first = OnePagePdf("The first okapi"), second = OnePagePdf("The second okapi");
  WriteFile(file, first);
  ASSERT_TRUE(Ingest(**c, o).ok());
  EXPECT_EQ(Copies(dir), std::set<std::string>{ingest::Sha256Hex(first)});

  // The file changed and was ingested again: only the new copy stays.
  WriteFile(file, second);
  auto r = Ingest(**c, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->files_ok, 1u);
  EXPECT_EQ(Copies(dir), std::set<std::string>{ingest::Sha256Hex(second)});

  // A JSON document naming the copy keeps it alive after the file's chunks go.
  Document named;
  named.id = "note";
  named.text = {{"body", "a note about the okapi"}};
  named.metadata.emplace_back(ingest::kOriginalField, MetadataValue::Keyword(ingest::Sha256Hex(second)));
  ASSERT_TRUE((*c)->Add(named).ok());
  SearchOptions so;
  so.k = 100;
  so.mode = SearchMode::kBm25;
  ASSERT_TRUE((*c)->Commit().ok());
  auto hits = (*c)->Search("okapi", so);
  ASSERT_TRUE(hits.ok());
  size_t deleted = 0;
  for (const auto& h : hits->hits)
    if (h.id != "note") deleted += (*c)->Delete(h.id).ok();
  EXPECT_GT(deleted, 0u);
  ASSERT_TRUE((*c)->Commit().ok());
  auto removed = RemoveUnreferencedOriginals(**c);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
  EXPECT_EQ(Copies(dir).size(), 1u);
  // The last document naming it deleted: the copy goes.
  ASSERT_TRUE((*c)->Delete("note").ok());
  ASSERT_TRUE((*c)->Commit().ok());
  removed = RemoveUnreferencedOriginals(**c);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1u);
  EXPECT_TRUE(Copies(dir).empty());
  c->reset();
  fs::remove_all(root);
}

TEST(OriginalsTest, CopyIsHashedOnceUntilItChanges) {
  const std::string dir = TempDir("hash");
  const std::string bytes = OnePagePdf("hashed once"), hash = ingest::Sha256Hex(bytes);
  ASSERT_TRUE(ingest::StoreOriginal(dir, hash, bytes).ok());
  const uint64_t before = ingest::OriginalHashChecks();
  for (int i = 0; i < 3; ++i) {
    auto loaded = ingest::LoadOriginal(dir, hash);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(*loaded, bytes);
  }
  EXPECT_EQ(ingest::OriginalHashChecks() - before, 1u);
  // Damaged in place (same size, a later modification time): hashed again, and refused.
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  WriteFile(dir + "/originals/" + hash, damaged);
  auto loaded = ingest::LoadOriginal(dir, hash);
  EXPECT_EQ(loaded.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ingest::OriginalHashChecks() - before, 2u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace glassbox
