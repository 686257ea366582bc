// E-mail: a message (.eml, RFC 5322 + MIME) or a mailbox (.mbox), with a
// small MIME parser of our own.
//
//  - Headers: folded lines unfolded; RFC 2047 encoded words (=?utf-8?B?...?=,
//    =?iso-8859-1?Q?...?=) decoded; 8-bit bytes that are not UTF-8 read as
//    Latin-1. From, To, Cc, Subject, Message-ID become metadata (keywords),
//    Date a date (converted to UTC).
//  - Bodies: multipart/* split on their boundary (nested up to kMaxDepth
//    levels, at most kMaxParts parts); base64 and quoted-printable decoded;
//    text converted to UTF-8 from the part's charset with ICU. The message's
//    text is its inline text/plain parts; only when it has none, its
//    text/html parts read by the HTML reader.
//  - Attachments (a part with a file name, or Content-Disposition:
//    attachment; attached messages too) are read by the reader of their
//    type through the registry, named "<mail id>/<file name>", with metadata
//    mail (the mail id), mail_subject and mail_part ("2", "2.1"). An
//    attachment no reader takes is left out (metadata attachments_skipped);
//    one that fails fails the message: "part 2 (report.pdf): ...".
//  - Id: the Message-ID (without <>), else the file name (.eml) or
//    "<file>:<line>" (mbox). Title: the subject, else the file name.
//  - mbox: messages start at lines "From " at the top or after a blank line;
//    ">From " lines are unescaped; one document per message (plus its
//    attachments). Errors name the message: "message 3 (line 120): ...".
#include <algorithm>
#include <cctype>

#include "ingest/doc_formats.h"
#include "ingest/formats.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

constexpr int kMaxDepth = 16;
constexpr size_t kMaxParts = 1000;

// Bytes as UTF-8: kept when valid, else read as Latin-1.
std::string AnyToUtf8(std::string_view s) {
  if (FindInvalidUtf8(s) == std::string_view::npos) return std::string(s);
  auto r = ToUtf8(s, "ISO-8859-1");
  return r.ok() ? r.value() : std::string();
}

std::string ToUtf8From(std::string_view bytes, const std::string& charset) {
  std::string cs = AsciiLower(charset);
  if (cs.empty() || cs == "us-ascii" || cs == "utf-8" || cs == "utf8") {
    if (FindInvalidUtf8(bytes) == std::string_view::npos) return std::string(bytes);
    auto r = ToUtf8(bytes, cs.empty() || cs == "us-ascii" ? "ISO-8859-1" : "UTF-8");
    return r.ok() ? r.value() : std::string();
  }
  auto r = ToUtf8(bytes, cs);
  return r.ok() ? r.value() : AnyToUtf8(bytes);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string DecodeBase64(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') break;
    else continue;  // line ends and junk
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// Quoted-printable; `header`: RFC 2047 Q encoding ('_' is a space).
std::string DecodeQuotedPrintable(std::string_view s, bool header) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && header) {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (c == '=' && !header && (i + 1 == s.size() || s[i + 1] == '\n' || s[i + 1] == '\r')) {
      // Soft line break.
      if (i + 1 < s.size() && s[i + 1] == '\r') ++i;
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// RFC 2047: decodes encoded words; whitespace between two of them is dropped.
std::string DecodeHeader(std::string_view raw) {
  std::string out;
  size_t i = 0;
  bool last_encoded = false;
  std::string pending_space;
  while (i < raw.size()) {
    size_t start = raw.find("=?", i);
    if (start == std::string_view::npos) {
      out += pending_space;
      out += AnyToUtf8(raw.substr(i));
      break;
    }
    size_t q1 = raw.find('?', start + 2);
    size_t q2 = q1 == std::string_view::npos ? q1 : raw.find('?', q1 + 1);
    size_t end = q2 == std::string_view::npos ? q2 : raw.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out += pending_space;
      pending_space.clear();
      out += AnyToUtf8(raw.substr(i, start + 2 - i));
      i = start + 2;
      last_encoded = false;
      continue;
    }
    std::string_view between = raw.substr(i, start - i);
    bool only_space = std::all_of(between.begin(), between.end(), [](char c) { return IsAsciiSpace(c); });
    if (!(last_encoded && only_space)) out += AnyToUtf8(between);
    std::string charset(raw.substr(start + 2, q1 - start - 2));
    if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);  // RFC 2231 language
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(raw[q1 + 1])));
    std::string_view text = raw.substr(q2 + 1, end - q2 - 1);
    std::string bytes = enc == 'B' ? DecodeBase64(text) : DecodeQuotedPrintable(text, true);
    out += ToUtf8From(bytes, charset);
    i = end + 2;
    last_encoded = true;
  }
  return out;
}

struct Header {
  std::string name;   // lower case
  std::string value;  // unfolded, raw (undecoded)
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body;
  const std::string* Get(std::string_view name) const {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }
};

// Splits headers from the body (at the first empty line).
Entity ParseEntity(std::string_view s) {
  Entity e;
  size_t i = 0;
  while (i < s.size()) {
    size_t eol = s.find('\n', i);
    size_t next = eol == std::string_view::npos ? s.size() : eol + 1;
    std::string_view line = s.substr(i, (eol == std::string_view::npos ? s.size() : eol) - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      i = next;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !e.headers.empty()) {
      e.headers.back().value += " ";
      e.headers.back().value += TrimAscii(line);
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      e.headers.push_back({AsciiLower(TrimAscii(line.substr(0, colon))), std::string(TrimAscii(line.substr(colon + 1)))});
    } else if (e.headers.empty()) {
      break;  // no headers at all: the whole entity is body
    }
    i = next;
  }
  e.body = s.substr(std::min(i, s.size()));
  return e;
}

// "text/plain; charset=utf-8; name*=utf-8''r%C3%A9sum%C3%A9.pdf"
struct ContentType {
  std::string type;  // lower case "text/plain"
  std::vector<std::pair<std::string, std::string>> params;
  std::string Param(const std::string& name) const {
    for (const auto& [k, v] : params)
      if (k == name) return v;
    return "";
  }
};

ContentType ParseContentType(std::string_view v) {
  ContentType ct;
  size_t semi = v.find(';');
  ct.type = AsciiLower(TrimAscii(v.substr(0, semi)));
  while (semi != std::string_view::npos) {
    size_t i = semi + 1;
    size_t eq = v.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = AsciiLower(TrimAscii(v.substr(i, eq - i)));
    size_t j = eq + 1;
    while (j < v.size() && IsAsciiSpace(v[j])) ++j;
    std::string value;
    if (j < v.size() && v[j] == '"') {
      ++j;
      while (j < v.size() && v[j] != '"') {
        if (v[j] == '\\' && j + 1 < v.size()) ++j;
        value.push_back(v[j++]);
      }
      semi = v.find(';', j);
    } else {
      semi = v.find(';', j);
      value = std::string(TrimAscii(v.substr(j, semi == std::string_view::npos ? std::string_view::npos : semi - j)));
    }
    if (!key.empty() && key.back() == '*') {  // RFC 2231: charset'lang'percent-encoded
      key.pop_back();
      size_t q1 = value.find('\''), q2 = q1 == std::string::npos ? q1 : value.find('\'', q1 + 1);
      std::string charset = q1 == std::string::npos ? "" : value.substr(0, q1);
      std::string enc = q2 == std::string::npos ? value : value.substr(q2 + 1), bytes;
      for (size_t k = 0; k < enc.size(); ++k) {
        if (enc[k] == '%' && k + 2 < enc.size() && HexValue(enc[k + 1]) >= 0 && HexValue(enc[k + 2]) >= 0) {
          bytes.push_back(static_cast<char>(HexValue(enc[k + 1]) * 16 + HexValue(enc[k + 2])));
          k += 2;
        } else {
          bytes.push_back(enc[k]);
        }
      }
      value = ToUtf8From(bytes, charset);
    } else {
      value = DecodeHeader(value);
    }
    ct.params.emplace_back(key, value);
  }
  return ct;
}

std::string DecodeBody(const Entity& e) {
  const std::string* cte = e.Get("content-transfer-encoding");
  std::string enc = cte == nullptr ? "" : AsciiLower(TrimAscii(*cte));
  if (enc == "base64") return DecodeBase64(e.body);
  if (enc == "quoted-printable") return DecodeQuotedPrintable(e.body, false);
  return std::string(e.body);
}

// The parts of a multipart body between "--boundary" lines.
std::vector<std::string_view> SplitMultipart(std::string_view body, const std::string& boundary) {
  std::vector<std::string_view> parts;
  const std::string delim = "--" + boundary;
  size_t i = 0;
  bool in_part = false;
  size_t part_start = 0;
  while (i <= body.size()) {
    size_t eol = body.find('\n', i);
    std::string_view line = body.substr(i, (eol == std::string_view::npos ? body.size() : eol) - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, delim.size()) == delim) {
      std::string_view rest = TrimAscii(line.substr(delim.size()));
      if (in_part) {
        size_t end = i;  // the line break before the delimiter belongs to it
        if (end > part_start && body[end - 1] == '\n') --end;
        if (end > part_start && body[end - 1] == '\r') --end;
        parts.push_back(body.substr(part_start, end - part_start));
      }
      if (rest.substr(0, 2) == "--") return parts;
      if (rest.empty()) {
        in_part = true;
        part_start = eol == std::string_view::npos ? body.size() : eol + 1;
      }
    }
    if (eol == std::string_view::npos) break;
    i = eol + 1;
  }
  if (in_part && part_start < body.size()) parts.push_back(body.substr(part_start));  // unterminated: keep
  return parts;
}

// RFC 5322 date -> "YYYY-MM-DDTHH:MM:SSZ" (UTC), or "".
std::string ParseMailDate(std::string_view v) {
  std::string s(TrimAscii(v));
  if (size_t comma = s.find(','); comma != std::string::npos) s = s.substr(comma + 1);
  char month_name[8] = {0}, zone[16] = {0};
  int day = 0, year = 0, h = 0, mi = 0, sec = 0;
  int n = std::sscanf(s.c_str(), " %d %3s %d %d:%d:%d %15s", &day, month_name, &year, &h, &mi, &sec, zone);
  if (n < 6) {
    sec = 0;
    n = std::sscanf(s.c_str(), " %d %3s %d %d:%d %15s", &day, month_name, &year, &h, &mi, zone);
    if (n < 5) return "";
  }
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  int month = 0;
  for (int m = 0; m < 12; ++m)
    if (AsciiLower(month_name) == kMonths[m]) month = m + 1;
  if (month == 0) return "";
  if (year < 100) year += year < 50 ? 2000 : 1900;
  int offset = 0;  // minutes east of UTC
  std::string z = zone;
  if ((z[0] == '+' || z[0] == '-') && z.size() >= 5) {
    int hh = std::atoi(z.substr(1, 2).c_str()), mm = std::atoi(z.substr(3, 2).c_str());
    offset = (hh * 60 + mm) * (z[0] == '-' ? -1 : 1);
  } else {
    std::string zl = AsciiLower(z);
    const std::pair<const char*, int> kZones[] = {{"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300},
                                                   {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420}};
    for (auto [name, off] : kZones)
      if (zl == name) offset = off;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, h, mi, sec);
  MetadataValue local;
  if (!MetadataValue::ParseDate(buf, &local)) return "";
  time_t t = static_cast<time_t>(local.number) - offset * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Depth of attachment reading (a mail attached to a mail ...), per thread.
thread_local int g_nesting = 0;

struct Message {
  const ReaderOptions& options;
  std::string id;
  std::string subject;
  std::vector<std::string> plain, html;
  std::vector<SourceDocument> attachments;
  std::vector<Table> tables;
  size_t parts = 0;
  size_t skipped = 0;

  Status Walk(const Entity& e, const std::string& part_path, int depth) {
    if (++parts > kMaxParts) return Status::InvalidArgument("more than " + std::to_string(kMaxParts) + " MIME parts");
    if (depth > kMaxDepth) return Status::InvalidArgument("part " + part_path + ": MIME parts nested too deeply");
    const std::string* ct_raw = e.Get("content-type");
    ContentType ct = ParseContentType(ct_raw == nullptr ? "text/plain" : *ct_raw);
    if (ct.type.empty()) ct.type = "text/plain";
    if (ct.type.rfind("multipart/", 0) == 0) {
      std::string boundary = ct.Param("boundary");
      if (boundary.empty()) return Status::InvalidArgument("part " + (part_path.empty() ? "1" : part_path) + ": multipart without a boundary");
      auto pieces = SplitMultipart(e.body, boundary);
      for (size_t k = 0; k < pieces.size(); ++k) {
        std::string sub = part_path.empty() ? std::to_string(k + 1) : part_path + "." + std::to_string(k + 1);
        GB_RETURN_IF_ERROR(Walk(ParseEntity(pieces[k]), sub, depth + 1));
      }
      return Status::OK();
    }
    const std::string* cd_raw = e.Get("content-disposition");
    ContentType cd = ParseContentType(cd_raw == nullptr ? "" : *cd_raw);
    std::string filename = cd.Param("filename");
    if (filename.empty()) filename = ct.Param("name");
    const std::string where = part_path.empty() ? "1" : part_path;
    bool attachment = cd.type == "attachment" || !filename.empty() || ct.type == "message/rfc822";
    if (!attachment && (ct.type == "text/plain" || ct.type == "text/html")) {
      std::string text = ToUtf8From(DecodeBody(e), ct.Param("charset"));
      (ct.type == "text/plain" ? plain : html).push_back(std::move(text));
      return Status::OK();
    }
    if (!attachment) {
      ++skipped;  // inline images and the like
      return Status::OK();
    }
    if (filename.empty()) filename = ct.type == "message/rfc822" ? "part" + where + ".eml" : "part" + where;
    // A name, not a path: no directories from the sender.
    std::replace(filename.begin(), filename.end(), '\\', '/');
    if (size_t slash = filename.rfind('/'); slash != std::string::npos) filename = filename.substr(slash + 1);
    if (filename.empty() || filename == "." || filename == "..") filename = "part" + where;
    std::string data = DecodeBody(e);
    if (g_nesting >= 4) {
      ++skipped;
      return Status::OK();
    }
    ++g_nesting;
    std::vector<Table> part_tables;
    std::string type = ct.type == "message/rfc822" ? "message/rfc822" : "";
    auto docs = ReadBuffer(data, type, id + "/" + filename, options, &part_tables);
    --g_nesting;
    if (!docs.ok()) {
      if (docs.status().code() == Status::Code::kUnsupported) {
        ++skipped;
        return Status::OK();
      }
      return Status::InvalidArgument("part " + where + " (" + filename + "): " + docs.status().message());
    }
    for (auto& d : docs.value()) {
      d.metadata.emplace_back("mail", MetadataValue::Keyword(id));
      if (!subject.empty()) d.metadata.emplace_back("mail_subject", MetadataValue::Keyword(subject));
      d.metadata.emplace_back("mail_part", MetadataValue::Keyword(where));
      attachments.push_back(std::move(d));
    }
    for (auto& t : part_tables) tables.push_back(std::move(t));
    return Status::OK();
  }
};

// One message; `fallback_id` when it has no Message-ID.
Status ReadMessage(std::string_view raw, const std::string& fallback_id, const std::string& file_name,
                   const ReaderOptions& options, ReadOutput* out) {
  Entity e = ParseEntity(raw);
  if (e.headers.empty()) return Status::InvalidArgument("no mail headers");
  Message m{options, fallback_id, "", {}, {}, {}, {}, 0, 0};
  if (const std::string* mid = e.Get("message-id")) {
    std::string v(TrimAscii(*mid));
    if (!v.empty() && v.front() == '<') v.erase(0, 1);
    if (!v.empty() && v.back() == '>') v.pop_back();
    v = AnyToUtf8(v);
    if (!v.empty()) m.id = v;
  }
  if (const std::string* s = e.Get("subject")) m.subject = CollapseSpace(DecodeHeader(*s));
  GB_RETURN_IF_ERROR(m.Walk(e, "", 0));
  SourceDocument doc;
  doc.id = m.id;
  size_t slash = file_name.rfind('/');
  doc.title = !m.subject.empty() ? m.subject : file_name.substr(slash == std::string::npos ? 0 : slash + 1);
  auto append = [&doc](std::string_view text) {
    std::string t(TrimAscii(text));
    std::erase(t, '\r');
    if (t.empty()) return;
    if (!doc.body.empty()) doc.body += "\n\n";
    doc.body += t;
  };
  for (const auto& p : m.plain) append(p);
  if (m.plain.empty()) {
    for (const auto& h : m.html) {
      ReadOutput html;
      if (ReadHtml(h, m.id, "utf-8", &html).ok() && !html.documents.empty()) append(html.documents[0].body);
    }
  }
  for (const char* key : {"from", "to", "cc"})
    if (const std::string* v = e.Get(key); v != nullptr && !TrimAscii(*v).empty())
      doc.metadata.emplace_back(key, MetadataValue::Keyword(CollapseSpace(DecodeHeader(*v))));
  if (!m.subject.empty()) doc.metadata.emplace_back("subject", MetadataValue::Keyword(m.subject));
  if (const std::string* d = e.Get("date")) {
    MetadataValue v;
    if (std::string iso = ParseMailDate(*d); !iso.empty() && MetadataValue::ParseDate(iso, &v))
      doc.metadata.emplace_back("date", v);
  }
  if (m.id != fallback_id) doc.metadata.emplace_back("message_id", MetadataValue::Keyword(m.id));
  if (!m.attachments.empty())
    doc.metadata.emplace_back("attachments", MetadataValue::Number(static_cast<double>(m.attachments.size()),
                                                                   std::to_string(m.attachments.size())));
  if (m.skipped > 0)
    doc.metadata.emplace_back("attachments_skipped",
                              MetadataValue::Number(static_cast<double>(m.skipped), std::to_string(m.skipped)));
  out->documents.push_back(std::move(doc));
  for (auto& d : m.attachments) out->documents.push_back(std::move(d));
  for (auto& t : m.tables) out->tables.push_back(std::move(t));
  return Status::OK();
}

Status ReadMbox(const ReadInput& in, ReadOutput* out) {
  std::string_view s = in.data;
  struct Span {
    size_t begin, line;
  };
  std::vector<Span> starts;
  size_t i = 0, line = 1;
  bool prev_blank = true;
  while (i < s.size()) {
    size_t eol = s.find('\n', i);
    size_t next = eol == std::string_view::npos ? s.size() : eol + 1;
    std::string_view l = s.substr(i, next - i);
    if (prev_blank && l.substr(0, 5) == "From ") starts.push_back({i, line});
    prev_blank = TrimAscii(l).empty();
    i = next;
    ++line;
  }
  if (starts.empty()) return Status::InvalidArgument("line 1: not an mbox (no \"From \" line)");
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t begin = s.find('\n', starts[k].begin);
    begin = begin == std::string_view::npos ? s.size() : begin + 1;
    size_t end = k + 1 < starts.size() ? starts[k + 1].begin : s.size();
    // Unescape ">From " (mboxrd / mboxo).
    std::string msg;
    msg.reserve(end - begin);
    size_t j = begin;
    while (j < end) {
      size_t eol = s.find('\n', j);
      size_t next = eol == std::string_view::npos || eol >= end ? end : eol + 1;
      std::string_view l = s.substr(j, next - j);
      size_t gt = 0;
      while (gt < l.size() && l[gt] == '>') ++gt;
      if (gt > 0 && l.substr(gt, 5) == "From ") l.remove_prefix(1);
      msg += l;
      j = next;
    }
    Status st = ReadMessage(msg, PositionalId(in.name, starts[k].line), in.name, in.options, out);
    if (!st.ok())
      return Status::InvalidArgument("message " + std::to_string(k + 1) + " (line " + std::to_string(starts[k].line) +
                                     "): " + st.message());
  }
  return Status::OK();
}

}  // namespace

Reader EmailReader() {
  Reader r;
  r.name = "eml";
  r.media_types = {"message/rfc822"};
  r.extensions = {".eml"};
  r.text = false;  // 8-bit parts in any charset
  r.read = [](const ReadInput& in, ReadOutput* out) { return ReadMessage(in.data, in.name, in.name, in.options, out); };
  return r;
}

Reader MboxReader() {
  Reader r;
  r.name = "mbox";
  r.media_types = {"application/mbox"};
  r.extensions = {".mbox"};
  r.text = false;
  r.read = ReadMbox;
  return r;
}

}  // namespace glassbox::ingest
