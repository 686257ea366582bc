// Tests of glassbox::Ingest() against an in-memory Collection.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "../engine/ingest.cc"  // NOLINT: compiled here so these tests need no engine module
#include "glassbox/ingest.h"
#include "ingest/text_util.h"
#include "table/guard.h"

namespace glassbox {
namespace {

namespace fs = std::filesystem;

// Records what Ingest does; documents live in a map by id.
class FakeCollection : public Collection {
 public:
  Status Add(const Document& doc) override {
    if (fail_adds) return Status::IOError("disk full");
    docs[doc.id] = doc;
    ++adds;
    return Status::OK();
  }
  Status Delete(const std::string& id) override {
    deletes.push_back(id);
    return docs.erase(id) ? Status::OK() : Status::NotFound(id);
  }
  // The collection's rule for replace_chunks_of, on the map (see WriteBatch).
  Status Apply(const WriteBatch& b) override {
    std::set<std::string> added;
    for (const auto& d : b.adds) added.insert(d.id);
    std::vector<std::string> dels;
    for (const auto& id : b.deletes)
      if (docs.count(id)) dels.push_back(id);
    for (const auto& src : b.replace_chunks_of)
      for (const auto& [id, doc] : docs) {
        bool of_src = id == src;
        for (const auto& [name, value] : doc.metadata) of_src |= name == provenance::kDocId && value.text == src;
        if (of_src && !added.count(id)) dels.push_back(id);
      }
    for (const auto& id : dels) GB_RETURN_IF_ERROR(Delete(id));
    for (const auto& d : b.adds) GB_RETURN_IF_ERROR(Add(d));
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Commit() override {
    ++commits;
    return Status::OK();
  }
  Status Merge(size_t) override { return Status::OK(); }
  Status Refresh() override { return Status::OK(); }
  Result<SearchResponse> Search(const std::string&, const SearchOptions&) const override {
    return Status::Unsupported("fake");
  }
  Result<Explanation> Explain(const std::string&, const std::string&, const Principal*) const override {
    return Status::Unsupported("fake");
  }
  Result<WhyNot> WhyNotInTopK(const std::string&, const std::string&, size_t, const Principal*) const override {
    return Status::Unsupported("fake");
  }
  Result<Document> Get(const std::string& id, const Principal*) const override {
    auto it = docs.find(id);
    if (it == docs.end()) return Status::NotFound(id);
    return it->second;
  }
  CollectionStats Stats() const override {
    CollectionStats s;
    s.documents = docs.size();
    return s;
  }
  const std::string& dir() const override { return dir_; }
  void set_dir(std::string d) { dir_ = std::move(d); }

  std::map<std::string, Document> docs;
  std::vector<std::string> deletes;
  int adds = 0, commits = 0;
  bool fail_adds = false;

 private:
  std::string dir_ = "fake";
};

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("gb_ingest_test_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string Write(const std::string& rel, const std::string& content) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << content;
    return (root_ / rel).string();
  }
  IngestOptions Options() {
    IngestOptions o;
    o.paths = {root_.string()};
    return o;
  }
  fs::path root_;
};

// Tables go to <dir>/tables.sqlite; a sidecar is read with its file, not
// ingested; re-ingesting a file replaces its tables.
TEST_F(IngestTest, TablesAreStoredAndReplaced) {
  fs::path coll = root_ / "coll";
  fs::create_directories(coll);
  Write("in/purchases.csv", "date,material,quantity\n2025-01-02,cement,5\n2025-02-03,sand,7\n");
  Write("in/purchases.csv.schema.json", R"({"description": "what we bought"})");
  FakeCollection c;
  c.set_dir(coll.string());
  IngestOptions o;
  o.paths = {(root_ / "in").string()};
  auto r = Ingest(c, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_ok, 1u);  // the sidecar is not a document file
  EXPECT_EQ(r->documents, 2u);
  ASSERT_TRUE(fs::exists(coll / "tables.sqlite"));
  auto db = glassbox::table::ReadOnlyDatabase::Open((coll / "tables.sqlite").string());
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->Run("SELECT SUM(quantity) FROM purchases");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows[0][0].integer, 12);
  auto desc = (*db)->Run("SELECT description FROM _gb_tables");
  EXPECT_EQ(desc->rows[0][0].text, "what we bought");
  Write("in/purchases.csv", "date,material,quantity\n2025-01-02,cement,1\n");
  ASSERT_TRUE(Ingest(c, o).ok());
  rows = (*db)->Run("SELECT SUM(quantity), COUNT(*) FROM purchases");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0].integer, 1);
  // A collection without tables gets no tables.sqlite; store_tables=false writes none.
  fs::path other = root_ / "other";
  fs::create_directories(other);
  c.set_dir(other.string());
  o.store_tables = false;
  ASSERT_TRUE(Ingest(c, o).ok());
  EXPECT_FALSE(fs::exists(other / "tables.sqlite"));
}

TEST_F(IngestTest, GoodFilesAreAddedBadFilesReported) {
  Write("policies/leave.md", "# Leave\n\nAnnual leave is 25 days.\n");
  Write("faq.txt", "FAQ\n\nHow do I book leave?\n");
  Write("data/people.csv", "name,age\nAnn,34\nBob,41\n");
  std::string bad_csv = Write("data/bad.csv", "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n");
  std::string bad_jsonl = Write("data/bad.jsonl", "{\"id\":\"a\",\"text\":\"fine\"}\n\n{\"id\": \"b\", oops}\n");
  std::string bad_utf8 = Write("latin1.txt", "caf\xE9\n");
  Write("empty.json", "");
  Write("image.gif", "GIF89a");

  FakeCollection c;
  std::vector<std::tuple<size_t, size_t, uint64_t>> progress;
  IngestOptions o = Options();
  o.progress = [&](size_t done, size_t total, uint64_t docs) { progress.emplace_back(done, total, docs); };
  auto r = Ingest(c, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const IngestReport& rep = r.value();
  EXPECT_EQ(rep.files_seen, 8u);
  EXPECT_EQ(rep.files_ok, 4u);
  EXPECT_EQ(rep.files_failed, 3u);
  EXPECT_EQ(rep.files_skipped, 1u);  // image.gif
  EXPECT_EQ(rep.documents, 4u);  // leave.md, faq.txt, two CSV rows
  EXPECT_EQ(rep.chunks, 4u);
  EXPECT_GE(rep.seconds, 0.0);
  ASSERT_EQ(rep.errors.size(), 3u);
  EXPECT_EQ(rep.errors[0].path, bad_csv);
  EXPECT_EQ(rep.errors[0].message, "line 5: expected 4 columns, found 3");
  EXPECT_EQ(rep.errors[1].path, bad_jsonl);
  EXPECT_EQ(rep.errors[1].message.rfind("line 3: JSON parse error at byte 13: ", 0), 0u) << rep.errors[1].message;
  EXPECT_EQ(rep.errors[2].path, bad_utf8);
  EXPECT_EQ(rep.errors[2].message.rfind("line 1: invalid UTF-8 at byte 3", 0), 0u) << rep.errors[2].message;

  // Nothing of a bad file is added, even its good first line.
  for (const auto& [id, d] : c.docs) EXPECT_NE(d.Meta("source")->text, bad_jsonl) << id;
  EXPECT_EQ(c.docs.size(), 4u);
  std::string leave_id = fs::path(root_ / "policies/leave.md").lexically_normal().generic_string();
  ASSERT_TRUE(c.docs.count(leave_id));
  EXPECT_EQ(*c.docs[leave_id].Text("title"), "Leave");
  EXPECT_EQ(c.commits, 1);
  EXPECT_TRUE(c.deletes.empty());  // a fresh collection needs no stale-chunk probes

  ASSERT_EQ(progress.size(), 7u);
  EXPECT_EQ(progress.back(), std::make_tuple(size_t{7}, size_t{7}, uint64_t{4}));
}

// Files are read and chunked on several threads, written in order: the
// result and the report do not depend on the number of threads.
TEST_F(IngestTest, ReadingAheadOnThreadsChangesNothing) {
  for (int i = 0; i < 40; ++i) {
    std::string body = "# Part " + std::to_string(i) + "\n\n";
    for (int p = 0; p < 1 + i % 5; ++p) body += "Paragraph " + std::to_string(p) + " of file " + std::to_string(i) + ".\n\n";
    Write("docs/f" + std::to_string(100 + i) + ".md", body);
  }
  Write("docs/bad.jsonl", "{oops}\n");
  Write("docs/rows.csv", "name,age\nAnn,34\nBob,41\n");
  auto run = [&](size_t threads, std::vector<size_t>* order) {
    FakeCollection c;
    IngestOptions o = Options();
    o.chunking.target_chars = 40;
    o.threads = threads;
    o.progress = [&](size_t done, size_t, uint64_t) { order->push_back(done); };
    auto r = Ingest(c, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    for (const auto& [id, d] : c.docs) ids.push_back(id + "|" + *d.Text("body"));
    return std::make_pair(ids, r.ok() ? r->documents * 1000 + r->chunks * 10 + r->files_failed : 0);
  };
  std::vector<size_t> order1, order4;
  auto one = run(1, &order1);
  auto four = run(4, &order4);
  EXPECT_EQ(one.first, four.first);
  EXPECT_EQ(one.second, four.second);
  EXPECT_GT(one.first.size(), 80u);
  EXPECT_EQ(order1, order4);  // progress counts files in order
}

TEST_F(IngestTest, MissingPathIsReportedAndRunContinues) {
  Write("a.txt", "hello");
  FakeCollection c;
  IngestOptions o = Options();
  o.paths.push_back((root_ / "nope").string());
  auto r = Ingest(c, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files_ok, 1u);
  EXPECT_EQ(r->files_failed, 1u);  // a path the caller named counts as a failed file
  EXPECT_EQ(r->files_seen, 2u);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].message, "no such file or folder");
}

TEST_F(IngestTest, ReingestRemovesStaleChunks) {
  std::string para(100, 'x');
  std::string path = Write("doc.txt", para + "\n\n" + para + "\n\n" + para + "\n\n" + para + "\n");
  std::string id = fs::path(path).lexically_normal().generic_string();
  FakeCollection c;
  c.docs["unrelated"] = Document{"unrelated", {}, {}};  // not a fresh collection
  IngestOptions o = Options();
  o.chunking.target_chars = 110;
  o.chunking.overlap_chars = 0;
  ASSERT_TRUE(Ingest(c, o).ok());
  EXPECT_EQ(c.docs.size(), 5u);
  ASSERT_TRUE(c.docs.count(id + "#3"));

  // Shrinks to two chunks: #2 and #3 must go.
  Write("doc.txt", para + "\n\n" + para + "\n");
  auto r = Ingest(c, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->chunks, 2u);
  EXPECT_TRUE(c.docs.count(id + "#0"));
  EXPECT_TRUE(c.docs.count(id + "#1"));
  EXPECT_FALSE(c.docs.count(id + "#2"));
  EXPECT_FALSE(c.docs.count(id + "#3"));

  // Shrinks to one chunk, whose id is the document id.
  Write("doc.txt", "short");
  ASSERT_TRUE(Ingest(c, o).ok());
  EXPECT_TRUE(c.docs.count(id));
  EXPECT_FALSE(c.docs.count(id + "#0"));
  EXPECT_FALSE(c.docs.count(id + "#1"));
  EXPECT_EQ(c.docs.size(), 2u);

  // Grows again: the single-chunk "<id>" goes.
  Write("doc.txt", para + "\n\n" + para + "\n");
  ASSERT_TRUE(Ingest(c, o).ok());
  EXPECT_FALSE(c.docs.count(id));
  EXPECT_EQ(c.docs.size(), 3u);
}

TEST_F(IngestTest, DuplicateIdsAcrossFilesInOneRunLeaveNoStaleChunks) {
  std::string para(100, 'y');
  Write("a.jsonl", "{\"id\":\"same\",\"text\":\"" + para + "\\n\\n" + para + "\\n\\n" + para + "\"}\n");
  Write("b.jsonl", "{\"id\":\"same\",\"text\":\"tiny\"}\n");
  FakeCollection c;
  IngestOptions o = Options();
  o.chunking.target_chars = 110;
  ASSERT_TRUE(Ingest(c, o).ok());
  EXPECT_EQ(c.docs.size(), 1u);
  EXPECT_TRUE(c.docs.count("same"));
}

TEST_F(IngestTest, FailingAddIsAHardError) {
  Write("a.txt", "hello");
  FakeCollection c;
  c.fail_adds = true;
  auto r = Ingest(c, Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIOError);
  EXPECT_EQ(c.commits, 0);
}

// A reader as a contributor would add one (a file defining it, one line
// registering it): a binary "paged" format, "GBPAGES\x01\xFF" then pages
// separated by form feeds. The \xFF proves binary readers get raw bytes.
ingest::Reader PagedTestReader() {
  ingest::Reader r;
  r.name = "gbpages";
  r.media_types = {"application/x-glassbox-pages"};
  r.extensions = {".gbpages"};
  r.signatures = {std::string("GBPAGES\x01\xFF", 9)};
  r.text = false;
  r.read = [](const ingest::ReadInput& in, ingest::ReadOutput* out) -> Status {
    if (in.data.substr(0, 9) != std::string_view("GBPAGES\x01\xFF", 9))
      return Status::InvalidArgument("byte 1: not a gbpages file");
    ingest::SourceDocument doc;
    doc.id = in.name;
    doc.title = ingest::FileStem(in.name);
    std::string_view rest = in.data.substr(9);
    for (int64_t number = 1; !rest.empty(); ++number) {
      size_t ff = rest.find('\f');
      std::string_view page = rest.substr(0, ff);
      if (!doc.body.empty()) doc.body += "\n\n";
      doc.pages.push_back({number, doc.body.size(), doc.body.size() + page.size()});
      doc.body += page;
      rest = ff == std::string_view::npos ? std::string_view() : rest.substr(ff + 1);
    }
    out->documents.push_back(std::move(doc));
    return Status::OK();
  };
  return r;
}

void RegisterPagedTestReader() {
  static const Status registered = ingest::ReaderRegistry::Default().Register(PagedTestReader());
  ASSERT_TRUE(registered.ok()) << registered.ToString();
}

TEST_F(IngestTest, ARegisteredReaderIsUsedEndToEndAndPagesReachChunks) {
  RegisterPagedTestReader();
  std::string para1(100, 'a'), para2(100, 'b'), para3(100, 'c');
  std::string book = std::string("GBPAGES\x01\xFF", 9) + para1 + "\f" + para2 + "\f" + para3;
  std::string by_ext = Write("book.gbpages", book);
  std::string by_content = Write("scans/0001", book);  // no extension: the signature tells
  FakeCollection c;
  IngestOptions o = Options();
  o.chunking.target_chars = 110;
  o.chunking.overlap_chars = 0;
  auto r = Ingest(c, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_ok, 2u) << (r->errors.empty() ? "" : r->errors[0].message);
  EXPECT_EQ(r->chunks, 6u);
  for (const std::string& path : {by_ext, by_content}) {
    std::string id = fs::path(path).lexically_normal().generic_string();
    for (int k = 0; k < 3; ++k) {
      std::string chunk = id + "#" + std::to_string(k);
      ASSERT_TRUE(c.docs.count(chunk)) << chunk;
      const MetadataValue* page = c.docs[chunk].Meta(provenance::kPage);
      ASSERT_NE(page, nullptr) << chunk;
      EXPECT_EQ(page->number, k + 1) << chunk;
      EXPECT_EQ(c.docs[chunk].Text("body")->substr(0, 3), std::string(3, static_cast<char>('a' + k))) << chunk;
    }
  }
}

TEST_F(IngestTest, UnsupportedTypesAreSkippedWhenWalkedAndFailWhenNamed) {
  Write("a.txt", "hello");
  std::string pdf = Write("docs/anim.gif", "GIF89a\x01\x00");
  Write("docs/photo.bmp", "BM\x01\x02");
  Write("docs/blob", std::string("\x00\x01\x02\x03", 4));   // no extension, binary content
  Write("docs/fake.txt", "GIF87a....");        // a signature decides over the extension
  FakeCollection c;
  auto r = Ingest(c, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_ok, 1u);
  EXPECT_EQ(r->files_failed, 0u);
  EXPECT_EQ(r->files_skipped, 4u);
  EXPECT_EQ(r->files_seen, 5u);
  EXPECT_TRUE(r->errors.empty()) << r->errors[0].path << ": " << r->errors[0].message;

  // Named, the same file is a failed file with an error saying what it is.
  IngestOptions o;
  o.paths = {pdf, (root_ / "a.txt").string()};
  r = Ingest(c, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files_ok, 1u);
  EXPECT_EQ(r->files_failed, 1u);
  EXPECT_EQ(r->files_skipped, 0u);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].path, pdf);
  EXPECT_EQ(r->errors[0].message, "GIF images are not supported yet (no reader registered for image/gif)");

  // All-or-nothing (an upload): a named unsupported file fails the run.
  FakeCollection fresh;
  o.all_or_nothing = true;
  r = Ingest(fresh, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->written);
  EXPECT_TRUE(fresh.docs.empty());
}

}  // namespace
}  // namespace glassbox
