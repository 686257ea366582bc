// The reader registry: detection by extension and content, dispatch, contracts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/reader.h"

namespace glassbox::ingest {
namespace {

std::string Detect(const std::string& path, std::string_view head) {
  return ReaderRegistry::Default().Detect(path, head);
}

TEST(DetectTest, ByExtension) {
  EXPECT_EQ(Detect("a/b.csv", "x,y\n1,2\n"), "text/csv");
  EXPECT_EQ(Detect("b.MD", "# Title\n"), "text/markdown");
  EXPECT_EQ(Detect("b.ndjson", "{}\n"), "application/x-ndjson");
  EXPECT_EQ(Detect("b.json", "[]"), "application/json");
  // Known formats without a reader are named too.
  EXPECT_EQ(Detect("b.pdf", "not really"), "application/pdf");
  EXPECT_EQ(Detect("b.html", "<p>x</p>"), "text/html");
  EXPECT_EQ(Detect("b.eml", "Subject: x\n"), "message/rfc822");
}

TEST(DetectTest, TextExtensionWinsOverTextContent) {
  // A .txt holding JSON is read as text: the name is the author's word, and
  // text never fails to read (documented in reader.h and docs/readers.md).
  EXPECT_EQ(Detect("dump.txt", "{\"id\": 1, \"text\": \"x\"}\n"), "text/plain");
  auto r = ReadBuffer("{\"id\": 1, \"text\": \"x\"}\n", "", "dump.txt", ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r.value()[0].id, "dump.txt");
  // A .txt starting with "From " is text, not a mailbox (a text signature is weak).
  EXPECT_EQ(Detect("letter.txt", "From the desk of the director\n"), "text/plain");
}

TEST(DetectTest, BinarySignatureWinsOverExtension) {
  EXPECT_EQ(Detect("report.txt", "%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(Detect("photo.csv", "\xFF\xD8\xFF\xE0"), "image/jpeg");
  // ...except for formats stored in that container.
  EXPECT_EQ(Detect("memo.docx", "PK\x03\x04"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(Detect("book.xlsx", "PK\x03\x04"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(Detect("old.doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "application/msword");
  EXPECT_EQ(Detect("memo.pdf", "PK\x03\x04"), "application/zip");
}

TEST(DetectTest, WithoutExtensionByContent) {
  using namespace std::string_view_literals;
  EXPECT_EQ(Detect("scan", "%PDF-1.4\n"), "application/pdf");
  EXPECT_EQ(Detect("archive", "PK\x03\x04rest"), "application/zip");
  EXPECT_EQ(Detect("img", "\x89PNG\r\n\x1A\n\0\0"sv), "image/png");
  EXPECT_EQ(Detect("img", "\xFF\xD8\xFF\xDB"), "image/jpeg");
  EXPECT_EQ(Detect("fax", "II*\0\x08\0\0\0"sv), "image/tiff");
  EXPECT_EQ(Detect("fax", "MM\0*\0\0\0\x08"sv), "image/tiff");
  EXPECT_EQ(Detect("Inbox", "From alice@example.com Mon Jan  1 00:00:00 2024\nSubject: hi\n"), "application/mbox");
  EXPECT_EQ(Detect("page", "  <!DOCTYPE HTML>\n<html>"), "text/html");
  EXPECT_EQ(Detect("export", "  [{\"id\": 1}]"), "application/json");
  EXPECT_EQ(Detect("export", "{\n  \"id\": 1\n}\n"), "application/json");
  EXPECT_EQ(Detect("export", "{\"id\": 1}\n{\"id\": 2}\n"), "application/x-ndjson");
  EXPECT_EQ(Detect("README", "Read me.\n"), "text/plain");
  EXPECT_EQ(Detect("tool.py", "print('x')\n"), "text/plain");  // named explicitly: read as text
  EXPECT_EQ(Detect("blob", "\x01\x02\0\x03"sv), "application/octet-stream");
  EXPECT_EQ(Detect("latin1", "caf\xE9 au lait"), "application/octet-stream");
  EXPECT_EQ(Detect("empty", ""), "text/plain");
}

TEST(DetectTest, HeadCutInsideACharacterIsStillText) {
  std::string head(ReaderRegistry::kSniffBytes - 1, 'x');
  head += "\xE5";  // first byte of a three-byte character, cut by the sniff window
  EXPECT_EQ(Detect("notes", head), "text/plain");
  head.back() = '\x80';  // a stray continuation byte is not a cut character
  EXPECT_EQ(Detect("notes", head), "application/octet-stream");
}

TEST(RegistryTest, RegisterRefusesConflictsAndIncompleteReaders) {
  ReaderRegistry registry;
  for (auto& r : BuiltinReaders()) ASSERT_TRUE(registry.Register(std::move(r)).ok());
  auto read = [](const ReadInput&, ReadOutput*) { return Status::OK(); };
  Status st = registry.Register({"csv2", {"text/x-csv2"}, {".CSV"}, {}, true, read});
  EXPECT_EQ(st.code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(st.message(), "reader 'csv' already reads .csv files");
  st = registry.Register({"csv", {"text/x-other"}, {}, {}, true, read});
  EXPECT_EQ(st.code(), Status::Code::kAlreadyExists);
  st = registry.Register({"tsv", {"text/csv"}, {".tsv"}, {}, true, read});
  EXPECT_EQ(st.message(), "reader 'csv' already reads text/csv");
  st = registry.Register({"tsv", {"text/tab-separated-values"}, {".tsv"}, {}, true, nullptr});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(registry.Register({"tsv", {"text/tab-separated-values"}, {".TSV"}, {}, true, read}).ok());
  ASSERT_NE(registry.ForPath("x.tsv"), nullptr);
  EXPECT_EQ(registry.Find("text/tab-separated-values")->name, "tsv");
  EXPECT_EQ(registry.Find("tsv")->name, "tsv");
  EXPECT_EQ(registry.Detect("x.tsv", "a\tb\n"), "text/tab-separated-values");
  EXPECT_TRUE(registry.Listable("x.tsv"));
  EXPECT_TRUE(registry.Listable("NOTES"));
  EXPECT_FALSE(registry.Listable("x.gif"));
}

TEST(RegistryTest, ABinaryReaderClaimsItsContainerByExtension) {
  // Readers of zip-based formats, with the zip signature, get their files by
  // extension; other zips stay zips.
  ReaderRegistry registry;
  auto read = [](const ReadInput&, ReadOutput*) { return Status::OK(); };
  ASSERT_TRUE(registry.Register({"kmz", {"application/vnd.google-earth.kmz"}, {".kmz"}, {"PK\x03\x04"}, false, read}).ok());
  ASSERT_TRUE(registry.Register({"3mf", {"model/3mf"}, {".3mf"}, {"PK\x03\x04"}, false, read}).ok());
  EXPECT_EQ(registry.Detect("map.kmz", "PK\x03\x04"), "application/vnd.google-earth.kmz");
  EXPECT_EQ(registry.Detect("part.3mf", "PK\x03\x04"), "model/3mf");
  EXPECT_EQ(registry.Detect("archive.zip", "PK\x03\x04"), "application/zip");
  EXPECT_EQ(registry.Detect("noextension", "PK\x03\x04"), "application/zip");
  EXPECT_EQ(registry.Detect("part.3mf", "%PDF-"), "application/pdf");
  // A signature of a format no known type names is the reader's.
  ASSERT_TRUE(registry.Register({"gbx", {"application/x-gbx"}, {".gbx"}, {"GBX\x01"}, false, read}).ok());
  EXPECT_EQ(registry.Detect("scan", "GBX\x01..."), "application/x-gbx");
  EXPECT_EQ(registry.Detect("scan.txt", "GBX\x01..."), "application/x-gbx");
}

TEST(ReadBufferTest, DetectsWhenNoTypeIsGiven) {
  auto r = ReadBuffer("{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"b\", \"text\": \"two\"}\n", "", "export",
                      ReaderOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);  // read as JSON Lines
  EXPECT_EQ(r.value()[1].id, "b");
  r = ReadBuffer("GIF89a", "", "scan", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnsupported);
  EXPECT_EQ(r.status().message(), "GIF images are not supported yet (no reader registered for image/gif)");
  r = ReadBuffer(std::string_view("\x01\x02\0", 3), "", "blob", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "content of unknown type is not supported (no reader registered for application/octet-stream)");
}

TEST(ReadBufferTest, ReaderOutputIsChecked) {
  static const Status registered = ReaderRegistry::Default().Register(
      {"gbbroken", {"application/x-glassbox-broken"}, {".gbbroken"}, {}, false,
       [](const ReadInput& in, ReadOutput* out) {
         SourceDocument d;
         d.id = in.name;
         d.body = std::string(in.data);  // raw bytes: not UTF-8
         d.sections.push_back({"x", 0, in.data.size() + 5});
         out->documents.push_back(std::move(d));
         return Status::OK();
       }});
  ASSERT_TRUE(registered.ok());
  auto r = ReadBuffer("ok", "", "a.gbbroken", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "reader 'gbbroken' yielded document 'a.gbbroken': a section outside the body or out of order");
  r = ReadBuffer("caf\xE9", "", "a.gbbroken", ReaderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "reader 'gbbroken' yielded document 'a.gbbroken': text that is not UTF-8");
}

TEST(ReadFileByContentTest, FileWithoutExtensionIsReadByContent) {
  auto dir = std::filesystem::temp_directory_path() / ("gb_registry_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "tickets").string();
  std::ofstream(path, std::ios::binary) << "{\"id\": \"T-1\", \"text\": \"printer\"}\n{\"id\": \"T-2\", \"text\": \"vpn\"}\n";
  std::vector<Table> tables;
  auto r = ReadFile(path, ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r.value()[0].id, "T-1");
  EXPECT_EQ(r.value()[0].source, path);
  EXPECT_TRUE(tables.empty());
  std::string csv = (dir / "parts.csv").string();
  std::ofstream(csv, std::ios::binary) << "a,b\n1,x\n";
  r = ReadFile(csv, ReaderOptions{}, &tables);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].source, csv);
  // A big file of an unsupported type: only its head is read.
  std::string big = (dir / "big.gif").string();
  std::ofstream(big, std::ios::binary) << "GIF89a" << std::string(1 << 20, 'x');
  r = ReadFile(big, ReaderOptions{});
  EXPECT_EQ(r.status().code(), Status::Code::kUnsupported);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glassbox::ingest
