// The reader registry and media type detection (contract in reader.h).
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "ingest/reader.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

using namespace std::string_view_literals;

// Formats detection can name whether or not a reader is registered for them,
// so that an unsupported file gets an error that says what it is.
struct KnownType {
  std::string_view media_type;
  std::string_view what;  // plural, for "<what> are not supported yet"
  std::vector<std::string_view> extensions;
  std::vector<std::string_view> signatures;
  bool binary;                  // a signature decides over the extension
  std::string_view container;   // formats stored in a zip (or OLE) container
};

const std::vector<KnownType>& KnownTypes() {
  static const std::vector<KnownType> kTypes = {
      {"application/pdf", "PDF documents", {".pdf"}, {"%PDF-"sv}, true, ""},
      {"application/zip", "ZIP archives", {".zip"}, {"PK\x03\x04"sv, "PK\x05\x06"sv}, true, ""},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word documents (DOCX)",
       {".docx"}, {}, true, "application/zip"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbooks (XLSX)", {".xlsx"},
       {}, true, "application/zip"},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
       "PowerPoint presentations (PPTX)", {".pptx"}, {}, true, "application/zip"},
      {"application/vnd.oasis.opendocument.text", "OpenDocument texts (ODT)", {".odt"}, {}, true, "application/zip"},
      {"application/epub+zip", "EPUB books", {".epub"}, {}, true, "application/zip"},
      {"application/x-ole-storage", "Office 97-2003 files", {}, {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv}, true, ""},
      {"application/msword", "Word 97-2003 documents (DOC)", {".doc"}, {}, true, "application/x-ole-storage"},
      {"application/vnd.ms-excel", "Excel 97-2003 workbooks (XLS)", {".xls"}, {}, true, "application/x-ole-storage"},
      {"application/vnd.ms-powerpoint", "PowerPoint 97-2003 presentations (PPT)", {".ppt"}, {}, true,
       "application/x-ole-storage"},
      {"image/png", "PNG images", {".png"}, {"\x89PNG\r\n\x1A\n"sv}, true, ""},
      {"image/jpeg", "JPEG images", {".jpg", ".jpeg"}, {"\xFF\xD8\xFF"sv}, true, ""},
      {"image/tiff", "TIFF images", {".tif", ".tiff"}, {"II*\0"sv, "MM\0*"sv}, true, ""},
      {"image/gif", "GIF images", {".gif"}, {"GIF87a"sv, "GIF89a"sv}, true, ""},
      {"text/html", "HTML pages", {".html", ".htm"}, {}, false, ""},
      {"message/rfc822", "e-mail messages", {".eml"}, {}, false, ""},
      {"application/mbox", "mailboxes (mbox)", {".mbox"}, {"From "sv}, false, ""},
  };
  return kTypes;
}

std::string LowerExtension(std::string_view path) {
  std::string ext = std::filesystem::path(std::string(path)).extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return ext;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

const KnownType* KnownByType(std::string_view type) {
  for (const auto& k : KnownTypes())
    if (k.media_type == type) return &k;
  return nullptr;
}

// UTF-8 text without NUL bytes; `head` may end inside a character when it
// was cut at kSniffBytes.
bool LooksLikeText(std::string_view head, bool cut) {
  if (head.find('\0') != std::string_view::npos) return false;
  size_t bad = FindInvalidUtf8(head);
  return bad == std::string_view::npos || (cut && head.size() - bad < 4 && Utf8SeqLen(head[bad]) > head.size() - bad);
}

// '[' or '{' first: JSON; several one-line objects: JSON Lines.
std::string SniffJson(std::string_view text) {
  text = TrimAscii(text);
  if (text.empty()) return "";
  if (text[0] == '[') return "application/json";
  if (text[0] != '{') return "";
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return "application/json";
  std::string_view first = TrimAscii(text.substr(0, nl)), rest = TrimAscii(text.substr(nl + 1));
  bool lines = !first.empty() && first.back() == '}' && !rest.empty() && rest[0] == '{';
  return lines ? "application/x-ndjson" : "application/json";
}

}  // namespace

const char* ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kInteger: return "integer";
    case ColumnType::kReal: return "real";
    case ColumnType::kDate: return "date";
    case ColumnType::kText: return "text";
  }
  return "text";
}

ReaderRegistry& ReaderRegistry::Default() {
  static ReaderRegistry* registry = [] {
    auto* r = new ReaderRegistry();  // never destroyed: readers may be used until exit
    for (auto& reader : BuiltinReaders()) {
      Status st = r->Register(std::move(reader));
      if (!st.ok()) std::abort();  // two built-in readers claim one name, type or extension
    }
    return r;
  }();
  return *registry;
}

Status ReaderRegistry::Register(Reader reader) {
  if (reader.name.empty() || reader.media_types.empty() || !reader.read)
    return Status::InvalidArgument("reader '" + reader.name + "' needs a name, a media type and a read function");
  for (auto& e : reader.extensions)
    for (char& c : e)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : readers_) {
    if (r->name == reader.name) return Status::AlreadyExists("a reader named '" + reader.name + "' is registered");
    for (const auto& t : reader.media_types)
      if (std::find(r->media_types.begin(), r->media_types.end(), t) != r->media_types.end())
        return Status::AlreadyExists("reader '" + r->name + "' already reads " + t);
    for (const auto& e : reader.extensions)
      if (std::find(r->extensions.begin(), r->extensions.end(), e) != r->extensions.end())
        return Status::AlreadyExists("reader '" + r->name + "' already reads " + e + " files");
  }
  readers_.push_back(std::make_unique<Reader>(std::move(reader)));
  return Status::OK();
}

const Reader* ReaderRegistry::Find(std::string_view type_or_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : readers_) {
    if (r->name == type_or_name) return r.get();
    for (const auto& t : r->media_types)
      if (t == type_or_name) return r.get();
  }
  return nullptr;
}

const Reader* ReaderRegistry::ForPath(std::string_view path) const {
  std::string ext = LowerExtension(path);
  if (ext.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : readers_)
    if (std::find(r->extensions.begin(), r->extensions.end(), ext) != r->extensions.end()) return r.get();
  return nullptr;
}

bool ReaderRegistry::Listable(std::string_view path) const {
  return LowerExtension(path).empty() || ForPath(path) != nullptr;
}

std::string ReaderRegistry::Detect(std::string_view path, std::string_view head) const {
  // The type the extension names, registered or known.
  std::string by_ext;
  if (const Reader* r = ForPath(path)) {
    by_ext = r->media_types.front();
  } else if (std::string ext = LowerExtension(path); !ext.empty()) {
    for (const auto& k : KnownTypes())
      if (std::find(k.extensions.begin(), k.extensions.end(), ext) != k.extensions.end()) by_ext = k.media_type;
  }
  // Signatures: known formats' first (a reader of a zip-based format must
  // not claim every zip), then registered readers'.
  std::string strong, weak;
  for (const auto& k : KnownTypes())
    for (auto s : k.signatures)
      if (StartsWith(head, s)) {
        std::string& slot = k.binary ? strong : weak;
        if (slot.empty()) slot = k.media_type;
      }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : readers_)
      for (const auto& s : r->signatures)
        if (StartsWith(head, s)) {
          std::string& slot = r->text ? weak : strong;
          if (slot.empty()) slot = r->media_types.front();
        }
  }
  if (!strong.empty()) {
    if (by_ext == strong) return by_ext;
    if (const KnownType* k = KnownByType(by_ext); k != nullptr && k->container == strong) return by_ext;
    if (const Reader* r = Find(by_ext); r != nullptr && !r->text)
      for (const auto& s : r->signatures)
        if (StartsWith(head, s)) return by_ext;  // the extension's own reader claims these bytes
    return strong;
  }
  if (!by_ext.empty()) return by_ext;
  if (!weak.empty()) return weak;
  std::string_view text = head;
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string_view lead = TrimAscii(text);
  if (StartsWithNoCase(lead, "<!doctype html") || StartsWithNoCase(lead, "<html")) return "text/html";
  if (!LooksLikeText(text, head.size() >= kSniffBytes)) return "application/octet-stream";
  if (std::string json = SniffJson(text); !json.empty()) return json;
  return "text/plain";
}

std::string ReaderRegistry::UnsupportedMessage(const std::string& media_type) {
  std::string reason = " (no reader registered for " + media_type + ")";
  if (const KnownType* k = KnownByType(media_type)) return std::string(k->what) + " are not supported yet" + reason;
  if (media_type == "application/octet-stream") return "content of unknown type is not supported" + reason;
  return media_type + " files are not supported" + reason;
}

}  // namespace glassbox::ingest
