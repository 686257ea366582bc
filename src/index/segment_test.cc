#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "index/coding.h"
#include "index/file_util.h"
#include "index/manifest.h"
#include "index/segment.h"
#include "index/segment_format.h"
#include "index/wal.h"

namespace glassbox::index {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("gb_index_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(Coding, PackUnpackRoundTripsEveryWidth) {
  std::mt19937 rng(7);
  for (int bits = 0; bits <= 32; ++bits) {
    uint32_t in[kBlockSize], out[kBlockSize];
    for (auto& v : in) v = bits == 0 ? 0 : (bits == 32 ? rng() : rng() & ((1u << bits) - 1));
    std::string buf;
    PackBlock(in, bits, &buf);
    ASSERT_EQ(buf.size(), static_cast<size_t>(bits) * 16);
    UnpackBlock(buf.data(), bits, out);
    for (int i = 0; i < kBlockSize; ++i) ASSERT_EQ(in[i], out[i]) << "bits " << bits;
  }
}

TEST(Coding, Crc32cKnownValue) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  std::string big(1000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  // Chaining: the CRC of a whole equals the CRC of its tail continued from its head's.
  EXPECT_EQ(Crc32c(big.data(), big.size()), Crc32c(big.data() + 333, 667, Crc32c(big.data(), 333)));
}

TEST(Coding, ParetoFrontierKeepsOnlyUndominatedPairs) {
  auto f = ParetoFrontier({{1, 10}, {2, 20}, {2, 15}, {1, 5}, {3, 50}, {1, 30}});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].tf, 3u); EXPECT_EQ(f[0].doc_length, 50u);
  EXPECT_EQ(f[1].tf, 2u); EXPECT_EQ(f[1].doc_length, 15u);
  EXPECT_EQ(f[2].tf, 1u); EXPECT_EQ(f[2].doc_length, 5u);
}

struct Model {
  // term -> doc -> positions
  std::map<std::string, std::map<DocId, std::vector<uint32_t>>> postings;
  std::vector<Document> docs;
};

Model BuildRandom(SegmentWriter* w, int ndocs, uint32_t seed) {
  std::mt19937 rng(seed);
  Model m;
  std::vector<std::string> vocab;
  for (int i = 0; i < 60; ++i) vocab.push_back("w" + std::to_string(i));
  for (int d = 0; d < ndocs; ++d) {
    Document doc;
    doc.id = "doc-" + std::to_string(seed) + "-" + std::to_string(d);
    std::vector<AnalyzedField> fields;
    uint32_t start = 0;
    for (const char* fname : {"title", "body"}) {
      AnalyzedField f{fname, {}};
      int len = (std::string(fname) == "title") ? rng() % 4 : rng() % 200;
      std::string text;
      for (int i = 0; i < len; ++i) {
        // Skewed: low ids much more frequent.
        int r = static_cast<int>(std::pow(rng() % 1000 / 1000.0, 3) * vocab.size());
        f.terms.push_back(vocab[r]);
        m.postings[vocab[r]][d].push_back(start + i);
        text += vocab[r] + " ";
      }
      start += len + 1;
      doc.text.emplace_back(fname, text);
      fields.push_back(std::move(f));
    }
    doc.metadata.emplace_back("n", MetadataValue::Number(d));
    doc.metadata.emplace_back("kind", MetadataValue::Keyword(d % 3 ? "a" : "b"));
    auto r = w->Add(doc, fields);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    m.docs.push_back(doc);
  }
  return m;
}

void CheckPostings(const SegmentReader& seg, const Model& m) {
  std::vector<uint32_t> pos;
  for (const auto& [term, docs] : m.postings) {
    TermInfo info;
    ASSERT_TRUE(seg.FindTerm(term, &info)) << term;
    ASSERT_EQ(info.df, docs.size());
    PostingIterator it(&seg, info);
    for (const auto& [d, positions] : docs) {
      ASSERT_EQ(it.doc(), d);
      ASSERT_EQ(it.tf(), positions.size());
      it.Positions(&pos);
      ASSERT_EQ(pos, positions);
      it.Next();
    }
    ASSERT_EQ(it.doc(), kNoDoc);
    // Advance to random targets agrees with a linear scan.
    std::mt19937 rng(1);
    PostingIterator a(&seg, info);
    DocId target = 0;
    while (true) {
      target += rng() % 300;
      a.Advance(target);
      auto lb = docs.lower_bound(target);
      if (lb == docs.end()) { ASSERT_EQ(a.doc(), kNoDoc); break; }
      ASSERT_EQ(a.doc(), lb->first);
      ASSERT_EQ(a.tf(), lb->second.size());
    }
  }
  TermInfo info;
  EXPECT_FALSE(seg.FindTerm("nope", &info));
}

// A file read into memory holds exactly the bytes the map shows; kAuto keeps a
// small file in memory; an empty file opens empty either way.
TEST(Files, InMemoryHoldsTheBytesOfTheMap) {
  const std::string dir = TempDir("residency");
  std::string bytes(3u << 20, '\0');  // past the huge-page hint's 2 MiB
  std::mt19937 rng(9);
  for (char& ch : bytes) ch = static_cast<char>(rng());
  ASSERT_TRUE(AtomicWriteFile(dir + "/f", bytes).ok());
  MappedFile mapped, memory, automatic;
  ASSERT_TRUE(mapped.Open(dir + "/f", Residency::kMapped).ok());
  ASSERT_TRUE(memory.Open(dir + "/f", Residency::kInMemory).ok());
  ASSERT_TRUE(automatic.Open(dir + "/f", Residency::kAuto).ok());
  EXPECT_FALSE(mapped.in_memory());
  EXPECT_TRUE(memory.in_memory());
  EXPECT_TRUE(automatic.in_memory());  // 3 MiB is far below a quarter of any test machine's memory
  ASSERT_EQ(memory.size(), bytes.size());
  EXPECT_EQ(std::string_view(memory.data(), memory.size()), bytes);
  EXPECT_EQ(std::string_view(mapped.data(), mapped.size()), bytes);
  ASSERT_TRUE(AtomicWriteFile(dir + "/empty", "").ok());
  MappedFile empty;
  ASSERT_TRUE(empty.Open(dir + "/empty", Residency::kInMemory).ok());
  EXPECT_EQ(empty.size(), 0u);
  MappedFile missing;
  EXPECT_EQ(missing.Open(dir + "/nothing", Residency::kInMemory).code(), Status::Code::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(Files, ResidencyComesFromTheEnvironment) {
  const std::pair<const char*, Residency> cases[] = {
      {"", Residency::kMapped}, {"auto", Residency::kAuto}, {"memory", Residency::kInMemory}, {"mapped", Residency::kMapped}};
  for (const auto& [value, want] : cases) {
    setenv("GLASSBOX_FILES", value, 1);
    auto r = ResidencyFromEnvironment();
    ASSERT_TRUE(r.ok()) << value;
    EXPECT_EQ(r.value(), want) << value;
  }
  unsetenv("GLASSBOX_FILES");
  ASSERT_TRUE(ResidencyFromEnvironment().ok());
  EXPECT_EQ(ResidencyFromEnvironment().value(), Residency::kMapped);
  setenv("GLASSBOX_FILES", "Memory", 1);
  auto bad = ResidencyFromEnvironment();
  unsetenv("GLASSBOX_FILES");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("GLASSBOX_FILES"), std::string::npos);
}

TEST(Segment, WriteReadRoundTrip) {
  std::string dir = TempDir("rt");
  SegmentWriter w;
  Model m = BuildRandom(&w, 1000, 1);
  ASSERT_TRUE(w.Finish(dir + "/s.gbs").ok());
  auto seg = SegmentReader::Open(dir + "/s.gbs");
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const SegmentReader& s = **seg;
  EXPECT_EQ(s.num_docs(), 1000u);
  CheckPostings(s, m);
  for (DocId d : {0u, 1u, 500u, 999u}) {
    auto doc = s.LoadDocument(d);
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->id, m.docs[d].id);
    EXPECT_EQ(doc->text, m.docs[d].text);
    EXPECT_EQ(s.ExternalId(d), m.docs[d].id);
    EXPECT_EQ(s.FindId(m.docs[d].id), d);
    EXPECT_EQ(s.ColumnValue(s.schema().MetadataIndex("n"), d), d);
  }
  EXPECT_EQ(s.FindId("missing"), kNoDoc);
  TermInfo kinfo;
  ASSERT_TRUE(s.FindTerm(KeywordTerm("kind", "b"), &kinfo));
  EXPECT_EQ(kinfo.df, 334u);
}

TEST(Segment, MergeDropsDeletedDocsAndKeepsPostings) {
  std::string dir = TempDir("merge");
  SegmentWriter w1, w2;
  Model m1 = BuildRandom(&w1, 300, 2), m2 = BuildRandom(&w2, 200, 3);
  ASSERT_TRUE(w1.Finish(dir + "/a.gbs").ok());
  ASSERT_TRUE(w2.Finish(dir + "/b.gbs").ok());
  auto a = SegmentReader::Open(dir + "/a.gbs");
  auto b = SegmentReader::Open(dir + "/b.gbs");
  ASSERT_TRUE(a.ok() && b.ok());
  // Delete every 7th doc of the first segment.
  std::vector<uint64_t> live((300 + 63) / 64, ~0ull);
  std::vector<bool> dead(300);
  for (DocId d = 0; d < 300; d += 7) { live[d >> 6] &= ~(1ull << (d & 63)); dead[d] = true; }
  ASSERT_TRUE(MergeSegments({*a, *b}, {live, {}}, dir + "/m.gbs").ok());
  auto m = SegmentReader::Open(dir + "/m.gbs");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // Expected model: m1 without dead docs, then m2, renumbered.
  Model exp;
  DocId next = 0;
  std::vector<DocId> remap1(300);
  for (DocId d = 0; d < 300; ++d) remap1[d] = dead[d] ? kNoDoc : next++;
  for (const auto& [term, docs] : m1.postings)
    for (const auto& [d, p] : docs)
      if (!dead[d]) exp.postings[term][remap1[d]] = p;
  for (const auto& [term, docs] : m2.postings)
    for (const auto& [d, p] : docs) exp.postings[term][next + d] = p;
  EXPECT_EQ((*m)->num_docs(), next + 200);
  CheckPostings(**m, exp);
  EXPECT_EQ((*m)->FindId(m2.docs[5].id), next + 5);
}

TEST(Segment, CorruptByteIsReportedWithFileName) {
  std::string dir = TempDir("corrupt");
  SegmentWriter w;
  BuildRandom(&w, 50, 4);
  ASSERT_TRUE(w.Finish(dir + "/s.gbs").ok());
  {
    std::fstream f(dir + "/s.gbs", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c;
    f.read(&c, 1);
    c ^= 0x5a;
    f.seekp(100);
    f.write(&c, 1);
  }
  auto seg = SegmentReader::Open(dir + "/s.gbs");
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(seg.status().code(), Status::Code::kCorruption);
  EXPECT_NE(seg.status().message().find("s.gbs"), std::string::npos);
  EXPECT_NE(seg.status().message().find("checksum"), std::string::npos);
  // A truncated file too.
  std::filesystem::resize_file(dir + "/s.gbs", 40);
  seg = SegmentReader::Open(dir + "/s.gbs");
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(seg.status().code(), Status::Code::kCorruption);
}

TEST(Wal, ReplayStopsAtTornTail) {
  std::string dir = TempDir("wal");
  {
    WalWriter w;
    ASSERT_TRUE(w.Open(dir + "/w.log").ok());
    ASSERT_TRUE(w.Append(WalRecordType::kAdd, "one").ok());
    ASSERT_TRUE(w.Append(WalRecordType::kDelete, "two").ok());
    ASSERT_TRUE(w.Close().ok());
  }
  auto size = std::filesystem::file_size(dir + "/w.log");
  {
    std::ofstream f(dir + "/w.log", std::ios::app | std::ios::binary);
    f.write("\x20\x00\x00\x00garbage", 11);
  }
  std::vector<std::string> got;
  WalReplayStats st;
  ASSERT_TRUE(ReplayWal(dir + "/w.log", [&](WalRecordType, std::string_view p) {
    got.emplace_back(p);
    return Status::OK();
  }, &st).ok());
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(st.torn_tail);
  EXPECT_EQ(st.valid_bytes, size);
}

TEST(Manifest, RoundTripAndCorruption) {
  Manifest m;
  m.generation = 3;
  m.analyzer = "auto";
  m.wal = "wal-000002.log";
  m.segments.push_back({"seg-000001.gbs", 10, 2, "seg-000001.del-3"});
  auto p = Manifest::Parse(m.Serialize(), "MANIFEST");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->segments[0].del_file, "seg-000001.del-3");
  auto bad = Manifest::Parse("{\"format\":1", "x/MANIFEST");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x/MANIFEST"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::index
