// CSV and XLSX -> the table store -> the catalog. The first byte picks the
// format (even: CSV, odd: an XLSX package built from NUL-separated parts, as in
// fuzz_ooxml); the part after the last NUL of a CSV input is the schema sidecar.
// Invariants: every error has a message; a file the store accepted loads into
// a catalog with one table per stored table, each with its columns, and every
// stored table answers SELECT COUNT(*) with the catalog's row count.
#include <unistd.h>

#include <filesystem>

#include "fuzz_common.h"
#include "ooxml_package.h"
#include "table/catalog.h"
#include "table/table_store.h"

namespace {

// A per-process store directory, removed at exit.
struct StoreDir {
  std::string path;
  StoreDir() {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    path = base + "/gb_fuzz_tables_" + std::to_string(::getpid());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~StoreDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& Dir() {
  static StoreDir dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace glassbox;
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string bytes, format, sidecar;
  if (data[0] % 2 == 0) {
    format = "csv";
    size_t nul = input.rfind('\0');
    bytes = std::string(input.substr(0, nul == std::string_view::npos ? input.size() : nul));
    if (nul != std::string_view::npos) sidecar = std::string(input.substr(nul + 1));
  } else {
    format = "xlsx";
    auto parts = fuzz::SplitNul(input, 2);
    bytes = fuzz::StoredZip({{"xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>"},
                             {"xl/_rels/workbook.xml.rels", fuzz::Rels("worksheets/sheet1.xml")},
                             {"xl/worksheets/sheet1.xml", parts[0]},
                             {"xl/sharedStrings.xml", parts[1]}});
  }
  ReaderOptions options;
  options.ocr_languages = "";
  std::vector<ingest::Table> tables;
  auto docs = ingest::ReadBuffer(bytes, format, "fuzz." + format, options, &tables);
  if (!docs.ok()) {
    if (docs.status().message().empty()) fuzz::Fail("reader error without a message");
    return 0;
  }
  auto store = table::TableStore::OpenForWriting(Dir());
  if (!store.ok()) fuzz::Fail("cannot open the store: " + store.status().message());
  Status st = (*store)->ReplaceFile("fuzz." + format, tables, sidecar);
  store->reset();
  if (!st.ok()) {
    if (st.message().empty()) fuzz::Fail("store error without a message");
    return 0;
  }
  auto db = table::ReadOnlyDatabase::Open(Dir() + "/" + table::kTablesFile);
  if (!db.ok()) fuzz::Fail("stored tables do not open: " + db.status().message());
  auto catalog = table::Catalog::Load(**db);
  if (!catalog.ok()) fuzz::Fail("stored tables do not load into a catalog: " + catalog.status().message());
  for (const auto& t : (*catalog)->tables()) {
    if (t.columns.empty()) fuzz::Fail("catalog table without columns: " + t.name);
    auto n = (*db)->RunTrusted("SELECT COUNT(*) FROM " + table::Quote(t.name));
    if (!n.ok() || n->rows.empty()) fuzz::Fail("catalog table does not answer COUNT(*): " + t.name);
    if (n->rows[0][0].integer != t.rows) fuzz::Fail("catalog row count differs from the table's: " + t.name);
  }
  return 0;
}
