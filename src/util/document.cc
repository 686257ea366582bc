#include "glassbox/document.h"

#include <cmath>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace glassbox {

MetadataValue MetadataValue::Number(double v, std::string spelling) {
  if (spelling.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    // Prefer the shortest spelling that round-trips.
    for (int prec = 1; prec <= 17; ++prec) {
      std::snprintf(buf, sizeof buf, "%.*g", prec, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    spelling = buf;
  }
  return {Type::kNumber, std::move(spelling), v};
}

namespace {
bool ParseInt(const std::string& s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return std::from_chars(s.data() + pos, s.data() + pos + len, *out).ec == std::errc();
}
}  // namespace

bool MetadataValue::ParseDate(const std::string& s, MetadataValue* out) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!ParseInt(s, 0, 4, &y) || !ParseInt(s, 5, 2, &mo) || !ParseInt(s, 8, 2, &d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != ' ') || s.size() < 19 || s[13] != ':' || s[16] != ':') return false;
    if (!ParseInt(s, 11, 2, &h) || !ParseInt(s, 14, 2, &mi) || !ParseInt(s, 17, 2, &se)) return false;
    std::string rest = s.substr(19);
    if (!(rest.empty() || rest == "Z")) return false;
    if (h > 23 || mi > 59 || se > 60) return false;
  }
  static const int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDaysInMonth[mo - 1]) return false;
  // Days from civil (proleptic Gregorian), valid for all years.
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long long days = static_cast<long long>(era) * 146097 + static_cast<long long>(doe) - 719468;
  out->type = Type::kDate;
  out->text = s;
  out->number = static_cast<double>(days * 86400LL + h * 3600 + mi * 60 + se);
  return true;
}

std::string MetadataValue::FormatDate(double seconds) {
  long long s = static_cast<long long>(std::floor(seconds));
  long long days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  long long rem = s - days * 86400;
  // Civil from days (proleptic Gregorian), the inverse of ParseDate's arithmetic.
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[32];
  if (rem == 0) std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", y, m, d);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", y, m, d, rem / 3600, rem / 60 % 60,
                  rem % 60);
  return buf;
}

const std::string* Document::Text(const std::string& field) const {
  for (const auto& [k, v] : text)
    if (k == field) return &v;
  return nullptr;
}

const MetadataValue* Document::Meta(const std::string& field) const {
  for (const auto& [k, v] : metadata)
    if (k == field) return &v;
  return nullptr;
}

}  // namespace glassbox
