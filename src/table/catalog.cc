#include "table/catalog.h"
#include "ingest/text_util.h"

#include "table/table_store.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

namespace glassbox::table {
namespace {

// Words that link nothing by themselves.
const std::set<std::string>& StopTerms() {
  static const std::set<std::string> s = {
      "the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "or", "is", "are", "was", "were", "be",
      "what", "which", "who", "how", "much", "mani", "many", "did", "do", "doe", "does", "we", "our", "us", "i", "me",
      "it", "that", "this", "with", "from", "as", "per", "each", "all", "ani", "any", "have", "has", "had", "there",
      "give", "show", "list", "tell", "name", "s", "with", "last", "year", "month", "than", "more", "less", "total",
      "其", "的", "了", "是", "我们", "在", "和", "多少", "哪个", "哪些", "什么", "吗", "呢", "有", "过去", "年", "一共"};
  return s;
}

// A small EN/ZH glossary of general words: question word -> catalog words.
// Only words any schema may use; names of one collection's columns or values
// belong in that collection's sidecar (docs/tables.md), never here.
const std::vector<std::pair<std::string, std::string>>& Glossary() {
  static const std::vector<std::pair<std::string, std::string>> g = {
      // English concepts
      {"spent", "amount"}, {"spend", "amount"}, {"cost", "amount"}, {"costs", "amount"}, {"paid", "amount"},
      {"pay", "amount"}, {"expense", "amount"}, {"expenses", "amount"}, {"money", "amount"}, {"value", "amount"},
      {"bought", "purchases"}, {"buy", "purchases"}, {"purchased", "purchases"}, {"purchase", "purchases"},
      {"ordered", "purchases"}, {"procured", "purchases"},
      {"tonnes", "quantity"}, {"tons", "quantity"}, {"tonnage", "quantity"}, {"volume", "quantity"},
      {"vendor", "supplier"}, {"vendors", "supplier"}, {"buyer", "purchaser"}, {"bought", "purchaser"},
      {"people", "population"}, {"inhabitants", "population"}, {"populous", "population"}, {"citizens", "population"},
      {"residents", "population"}, {"live", "population"}, {"populated", "population"},
      {"size", "area"}, {"big", "area"}, {"large", "area"}, {"biggest", "area"}, {"largest", "area"},
      {"smallest", "area"}, {"small", "area"},
      {"long", "length"}, {"longest", "length"}, {"shortest", "length"},
      {"tall", "altitude"}, {"tallest", "altitude"}, {"height", "altitude"}, {"high", "elevation"},
      // Chinese
      {"买", "purchases"}, {"购买", "purchases"}, {"采购", "purchases"}, {"买了", "purchases"}, {"购入", "purchases"},
      {"总金额", "amount"}, {"总额", "amount"}, {"采购额", "amount"}, {"花", "amount"}, {"花了", "amount"}, {"花费", "amount"}, {"支出", "amount"}, {"金额", "amount"}, {"钱", "amount"},
      {"付", "amount"}, {"费用", "amount"}, {"成本", "amount"},
      {"数量", "quantity"}, {"吨", "quantity"}, {"多少吨", "quantity"},
      {"供应商", "supplier"}, {"供货商", "supplier"}, {"厂家", "supplier"}, {"单价", "unit_price"}, {"价格", "unit_price"},
      {"项目", "project"}, {"工程", "project"}, {"采购员", "purchaser"}, {"采购人", "purchaser"}, {"日期", "date"},
      {"材料", "material"}, {"物料", "material"}, {"单位", "unit"}, {"人口", "population"}, {"面积", "area"},
      {"城市", "city"}, {"州", "state"}, {"河流", "river"}, {"首都", "capital"}, {"首府", "capital"}};
  return g;
}

}  // namespace

int CatalogTable::Find(const std::string& column) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (ingest::AsciiLower(columns[i].name) == ingest::AsciiLower(column)) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Catalog::TermsOf(const std::string& text) const {
  std::string t = text;
  for (auto& c : t)
    if (c == '_') c = ' ';
  std::vector<text::Token> toks;
  analyzer_->Analyze(t, &toks);
  std::vector<std::string> out;
  for (auto& k : toks) out.push_back(k.term);
  return out;
}

void Catalog::AddEntry(const std::string& text, Link::Kind kind, int table, int column, const std::string& value,
                       const std::string& via, double weight, bool each_term) {
  std::vector<std::string> terms = TermsOf(text);
  if (terms.empty()) return;
  if (each_term) {
    // A one-word text is already indexed whole (at a higher weight) wherever each_term is used.
    if (terms.size() == 1 && (via == "name" || via == "synonym")) return;
    std::set<std::string> seen;
    for (auto& t : terms) {
      if (StopTerms().count(t) || !seen.insert(t).second) continue;
      auto& list = index_[t];
      // The same word already indexed for the same table or column (another synonym, or its name): indexed once.
      bool dup = false;
      for (size_t i = list.size(); i > 0 && i + 8 > list.size() && !dup; --i) {
        const Entry& e = list[i - 1];
        dup = e.terms.size() == 1 && e.kind == kind && e.table == table && e.column == column && e.weight >= weight &&
              e.value == value;
      }
      if (!dup) list.push_back({{t}, kind, table, column, value, via, weight});
    }
    return;
  }
  if (terms.size() == 1 && StopTerms().count(terms[0]) && kind != Link::Kind::kValue) return;
  index_[terms[0]].push_back({terms, kind, table, column, value, via, weight});
}

Result<std::unique_ptr<Catalog>> Catalog::Load(const ReadOnlyDatabase& db) {
  std::unique_ptr<Catalog> c(new Catalog());
  auto an = text::MakeAnalyzer("auto");
  if (!an.ok()) an = text::MakeAnalyzer("english");
  if (!an.ok()) return an.status();
  c->analyzer_ = *an;
  auto has = db.RunTrusted("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_gb_tables'");
  if (!has.ok()) return has.status();
  const bool ours = !has->rows.empty();
  if (ours) {
    auto t = db.RunTrusted("SELECT name, source, sheet, description, synonyms, row_count FROM _gb_tables ORDER BY name");
    if (!t.ok()) return t.status();
    for (auto& r : t->rows) {
      CatalogTable ct;
      ct.name = r[0].text, ct.source = r[1].text, ct.sheet = r[2].text, ct.description = r[3].text;
      auto syn = nlohmann::json::parse(r[4].text, nullptr, false);
      if (syn.is_array())
        for (auto& s : syn) if (s.is_string()) ct.synonyms.push_back(s);
      ct.rows = r[5].integer;
      ct.provenance = true;
      auto cols = db.RunTrusted("SELECT name, header, type, unit, currency, unit_column, description, synonyms FROM "
                                "_gb_columns WHERE table_name = " + Lit(ct.name) + " ORDER BY position");
      if (!cols.ok()) return cols.status();
      for (auto& cr : cols->rows) {
        CatalogColumn cc;
        cc.name = cr[0].text, cc.header = cr[1].text, cc.type = cr[2].text, cc.unit = cr[3].text;
        cc.currency = cr[4].text, cc.unit_column = cr[5].text, cc.description = cr[6].text;
        auto s = nlohmann::json::parse(cr[7].text, nullptr, false);
        if (s.is_array())
          for (auto& x : s) if (x.is_string()) cc.synonyms.push_back(x);
        ct.columns.push_back(std::move(cc));
      }
      c->tables_.push_back(std::move(ct));
    }
  } else {
    auto t = db.RunTrusted("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    if (!t.ok()) return t.status();
    for (auto& r : t->rows) {
      CatalogTable ct;
      ct.name = r[0].text;
      ct.source = db.path();
      auto cols = db.RunTrusted("SELECT name, type FROM pragma_table_info(" + Lit(ct.name) + ")");
      if (!cols.ok()) return cols.status();
      for (auto& cr : cols->rows) {
        CatalogColumn cc;
        cc.name = cc.header = cr[0].text;
        std::string ty = ingest::AsciiLower(cr[1].text);
        cc.type = ty.find("int") != std::string::npos ? "integer"
                  : (ty.find("real") != std::string::npos || ty.find("double") != std::string::npos ||
                     ty.find("float") != std::string::npos || ty.find("dec") != std::string::npos ||
                     ty.find("num") != std::string::npos)
                      ? "real"
                  : ty.find("date") != std::string::npos ? "date"
                                                         : "text";
        ct.columns.push_back(std::move(cc));
      }
      auto n = db.RunTrusted("SELECT COUNT(*) FROM " + Quote(ct.name));
      if (n.ok() && !n->rows.empty()) ct.rows = n->rows[0][0].integer;
      c->tables_.push_back(std::move(ct));
    }
  }
  // Value dictionaries and samples.
  for (auto& t : c->tables_) {
    for (auto& col : t.columns) {
      auto n = db.RunTrusted("SELECT COUNT(DISTINCT " + Quote(col.name) + ") FROM " + Quote(t.name));
      if (n.ok() && !n->rows.empty()) col.distinct = static_cast<size_t>(n->rows[0][0].integer);
      auto s = db.RunTrusted("SELECT DISTINCT " + Quote(col.name) + " FROM " + Quote(t.name) + " WHERE " +
                             Quote(col.name) + " IS NOT NULL LIMIT 3");
      if (s.ok())
        for (auto& r : s->rows) col.samples.push_back(r[0].ToString());
      if (col.type == "text" && col.distinct <= kMaxDictionary) {
        auto v = db.RunTrusted("SELECT DISTINCT " + Quote(col.name) + " FROM " + Quote(t.name) + " WHERE " +
                               Quote(col.name) + " IS NOT NULL");
        if (v.ok())
          for (auto& r : v->rows)
            if (r[0].kind == Value::Kind::kText && !r[0].text.empty()) col.values.push_back(r[0].text);
      }
    }
  }
  // Foreign keys: declared, else equal column names with overlapping values.
  for (size_t i = 0; i < c->tables_.size(); ++i) {
    auto fk = db.RunTrusted("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(" + Lit(c->tables_[i].name) + ")");
    if (!fk.ok()) continue;
    for (auto& r : fk->rows) {
      for (size_t j = 0; j < c->tables_.size(); ++j) {
        if (ingest::AsciiLower(c->tables_[j].name) != ingest::AsciiLower(r[0].text)) continue;
        int from = c->tables_[i].Find(r[1].text), to = c->tables_[j].Find(r[2].text.empty() ? r[1].text : r[2].text);
        if (from >= 0 && to >= 0)
          c->keys_.push_back({static_cast<int>(i), from, static_cast<int>(j), to, true});
      }
    }
  }
  // Equal names (text and date columns; measures do not join) with overlapping values, between tables without a
  // declared key. Grouped by name, so thousands of tables cost only the pairs that share a name; a name held by
  // more than kMaxKeyHolders tables ("status", "note") is too generic to be a key.
  {
    constexpr size_t kMaxKeyHolders = 64;
    std::set<std::pair<int, int>> declared;
    for (auto& k : c->keys_) declared.insert({std::min(k.from_table, k.to_table), std::max(k.from_table, k.to_table)});
    std::map<std::string, std::vector<std::pair<int, int>>> by_name;
    for (size_t i = 0; i < c->tables_.size(); ++i)
      for (size_t a = 0; a < c->tables_[i].columns.size(); ++a) {
        const auto& col = c->tables_[i].columns[a];
        if (col.name.empty() || col.name[0] == '_' || col.numeric()) continue;
        by_name[ingest::AsciiLower(col.name)].push_back({static_cast<int>(i), static_cast<int>(a)});
      }
    for (auto& [name, hs] : by_name) {
      if (hs.size() < 2 || hs.size() > kMaxKeyHolders) continue;
      for (size_t x = 0; x < hs.size(); ++x)
        for (size_t y = x + 1; y < hs.size(); ++y) {
          auto [i, a] = hs[x];
          auto [j, b] = hs[y];
          if (i == j || declared.count({std::min(i, j), std::max(i, j)})) continue;
          const auto& ca = c->tables_[i].columns[a];
          const auto& cb = c->tables_[j].columns[b];
          bool overlap = ca.values.empty() || cb.values.empty();
          if (!overlap) {
            std::set<std::string> va(ca.values.begin(), ca.values.end());
            for (auto& v : cb.values) overlap |= va.count(v) > 0;
          }
          if (overlap) c->keys_.push_back({i, a, j, b, false});
        }
    }
  }
  // The id convention: U.<t>_id (or U.<t>id) refers to t.id ("location.restaurant_id" -> "restaurant.id"), for a
  // table t in singular or plural ("restaurants" -> restaurant_id) that has an "id" column and no declared key to U.
  {
    std::set<std::pair<int, int>> declared;
    for (auto& k : c->keys_)
      if (k.declared) declared.insert({std::min(k.from_table, k.to_table), std::max(k.from_table, k.to_table)});
    for (size_t i = 0; i < c->tables_.size(); ++i) {
      int id = c->tables_[i].Find("id");
      if (id < 0) continue;
      std::string tn = ingest::AsciiLower(c->tables_[i].name);
      std::string single = tn.size() > 3 && tn.back() == 's' ? tn.substr(0, tn.size() - 1) : tn;
      for (size_t j = 0; j < c->tables_.size(); ++j) {
        if (j == i || declared.count({std::min(i, j), std::max(i, j)})) continue;
        for (size_t b = 0; b < c->tables_[j].columns.size(); ++b) {
          std::string cn = ingest::AsciiLower(c->tables_[j].columns[b].name);
          if (cn == tn + "_id" || cn == single + "_id" || cn == tn + "id" || cn == single + "id")
            c->keys_.push_back({static_cast<int>(j), static_cast<int>(b), static_cast<int>(i), id, false});
        }
      }
    }
  }
  // Value overlap between differently named text columns (a column whose values are mostly another's: river.traverse
  // -> state.state_name): counted through an inverted index of the dictionaries, so it stays linear in their size.
  {
    std::unordered_map<std::string, std::vector<std::pair<int, int>>> holders;
    for (size_t i = 0; i < c->tables_.size(); ++i)
      for (size_t a = 0; a < c->tables_[i].columns.size(); ++a) {
        const auto& col = c->tables_[i].columns[a];
        if (col.name.empty() || col.name[0] == '_') continue;
        for (auto& v : col.values) holders[v].push_back({static_cast<int>(i), static_cast<int>(a)});
      }
    std::map<std::pair<std::pair<int, int>, std::pair<int, int>>, size_t> shared;
    for (auto& [v, hs] : holders) {
      if (hs.size() < 2 || hs.size() > 16) continue;  // a value in many columns says nothing about keys
      for (size_t x = 0; x < hs.size(); ++x)
        for (size_t y = x + 1; y < hs.size(); ++y)
          if (hs[x].first != hs[y].first) ++shared[{hs[x], hs[y]}];
    }
    for (auto& [pair, n] : shared) {
      auto [a, b] = pair;
      const auto& ca = c->tables_[a.first].columns[a.second];
      const auto& cb = c->tables_[b.first].columns[b.second];
      if (ingest::AsciiLower(ca.name) == ingest::AsciiLower(cb.name)) continue;  // already inferred above
      size_t smaller = std::min(ca.values.size(), cb.values.size());
      if (n < 2 || n * 2 < smaller) continue;
      c->keys_.push_back({a.first, a.second, b.first, b.second, false});
    }
  }
  // The index.
  for (size_t ti = 0; ti < c->tables_.size(); ++ti) {
    const auto& t = c->tables_[ti];
    int tix = static_cast<int>(ti);
    c->AddEntry(t.name, Link::Kind::kTable, tix, -1, "", "name", 1.0, false);
    c->AddEntry(t.name, Link::Kind::kTable, tix, -1, "", "name", 0.6, true);
    for (auto& s : t.synonyms) {
      c->AddEntry(s, Link::Kind::kTable, tix, -1, "", "synonym", 0.9, false);
      c->AddEntry(s, Link::Kind::kTable, tix, -1, "", "synonym", 0.5, true);
    }
    c->AddEntry(t.description, Link::Kind::kTable, tix, -1, "", "description", 0.3, true);
    for (size_t ci = 0; ci < t.columns.size(); ++ci) {
      const auto& col = t.columns[ci];
      if (col.name.empty() || col.name[0] == '_') continue;
      int cix = static_cast<int>(ci);
      c->AddEntry(col.name, Link::Kind::kColumn, tix, cix, "", "name", 1.0, false);
      c->AddEntry(col.name, Link::Kind::kColumn, tix, cix, "", "name", 0.5, true);
      if (col.header != col.name) c->AddEntry(col.header, Link::Kind::kColumn, tix, cix, "", "name", 0.9, false);
      for (auto& s : col.synonyms) c->AddEntry(s, Link::Kind::kColumn, tix, cix, "", "synonym", 0.9, false);
      c->AddEntry(col.description, Link::Kind::kColumn, tix, cix, "", "description", 0.3, true);
      if (!col.unit.empty()) c->AddEntry(col.unit, Link::Kind::kColumn, tix, cix, "", "unit", 0.6, false);
      if (!col.currency.empty()) c->AddEntry(col.currency, Link::Kind::kColumn, tix, cix, "", "unit", 0.6, false);
      for (auto& v : col.values) c->AddEntry(v, Link::Kind::kValue, tix, cix, v, "value", 1.0, false);
    }
  }
  if (ours) {
    auto vs = db.RunTrusted("SELECT table_name, column_name, value, synonym FROM _gb_values");
    if (vs.ok())
      for (auto& r : vs->rows)
        for (size_t ti = 0; ti < c->tables_.size(); ++ti)
          if (c->tables_[ti].name == r[0].text) {
            int ci = c->tables_[ti].Find(r[1].text);
            if (ci >= 0) c->AddEntry(r[3].text, Link::Kind::kValue, static_cast<int>(ti), ci, r[2].text, "value synonym", 1.0, false);
          }
  }
  return c;
}

Catalog::Terms Catalog::Analyze(const std::string& question) const {
  static std::unordered_map<std::string, std::vector<std::string>>* glossary = nullptr;
  static std::once_flag once;
  std::call_once(once, [&] {
    glossary = new std::unordered_map<std::string, std::vector<std::string>>();
    for (auto& [k, v] : Glossary()) {
      auto kt = TermsOf(k);
      if (kt.size() != 1) continue;
      auto& dst = (*glossary)[kt[0]];
      for (auto& t : TermsOf(v)) dst.push_back(t);
    }
  });
  Terms out;
  std::vector<text::Token> toks;
  analyzer_->Analyze(question, &toks);
  for (auto& t : toks) {
    std::string word = question.substr(t.begin, t.end - t.begin);
    out.terms.push_back(t.term);
    out.words.push_back(word);
  }
  // Glossary words are added as extra terms at the end, remembering their word.
  size_t n = out.terms.size();
  for (size_t i = 0; i < n; ++i) {
    auto it = glossary->find(out.terms[i]);
    if (it == glossary->end()) continue;
    if (it->second.size() == 1 && it->second[0] == out.terms[i]) continue;
    for (auto& g : it->second) {
      out.terms.push_back(g);
      out.words.push_back("\x01" + std::to_string(i) + "\x01" + out.words[i]);  // marks: glossary of term i
    }
  }
  return out;
}

std::vector<Link> Catalog::LinkTerms(const Terms& q) const {
  std::vector<Link> links;
  // Glossary terms form their own runs (one per original term).
  auto origin = [&](size_t i) -> size_t {
    const std::string& w = q.words[i];
    if (w.empty() || w[0] != '\x01') return i;
    return std::stoul(w.substr(1, w.find('\x01', 1) - 1));
  };
  auto word = [&](size_t i) -> std::string {
    const std::string& w = q.words[i];
    if (w.empty() || w[0] != '\x01') return w;
    return w.substr(w.find('\x01', 1) + 1);
  };
  std::map<std::pair<size_t, size_t>, std::string> span_words;
  for (size_t i = 0; i < q.terms.size(); ++i) {
    auto it = index_.find(q.terms[i]);
    if (it == index_.end()) continue;
    bool from_glossary = origin(i) != i;
    for (const Entry& e : it->second) {
      if (i + e.terms.size() > q.terms.size()) continue;
      bool match = true;
      for (size_t k = 1; k < e.terms.size() && match; ++k) {
        match = q.terms[i + k] == e.terms[k] && (origin(i + k) != i + k) == from_glossary;
        if (from_glossary && match) match = origin(i + k) == origin(i) || origin(i + k) == origin(i) + 1 ||
                                            origin(i + k) == origin(i + k - 1) + 1 || origin(i + k) == origin(i + k - 1);
      }
      if (!match) continue;
      Link l;
      l.kind = e.kind, l.table = e.table, l.column = e.column, l.value = e.value;
      size_t b = origin(i), en = origin(i + e.terms.size() - 1) + 1;
      l.begin = b, l.end = en;
      // The question words of the span: the same for every entry of this length at i, built once.
      std::string& w = span_words[{i, e.terms.size()}];
      if (w.empty())
        for (size_t k = i; k < i + e.terms.size(); ++k) {
          std::string wk = word(k);
          if (k > i && (w == wk)) continue;
          if (!w.empty()) w += " ";
          w += wk;
        }
      l.words = w;
      l.via = from_glossary ? e.via + " (glossary)" : e.via;
      l.score = e.weight * (1.0 + 0.25 * (e.terms.size() - 1)) * (from_glossary ? 0.9 : 1.0);
      links.push_back(std::move(l));
    }
  }
  // Best first (stable): an index sort, then one move per link.
  std::vector<uint32_t> order(links.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return links[a].score > links[b].score; });
  std::vector<Link> sorted;
  sorted.reserve(links.size());
  for (uint32_t i : order) sorted.push_back(std::move(links[i]));
  return sorted;
}

Catalog::Retrieval Catalog::Retrieve(const std::string& question, size_t k) const {
  Retrieval out;
  std::vector<Link> links = LinkTerms(Analyze(question));
  // A table scores, at every question position, its best link covering it (a phrase matched whole counts at each
  // of its words, so "helpdesk assets americas" matched as one synonym outweighs three words matched apart).
  // Links come best first, so the first link seen at a position is its best.
  std::vector<const Link*> order;
  order.reserve(links.size());
  for (const Link& l : links) order.push_back(&l);
  std::stable_sort(order.begin(), order.end(), [](const Link* a, const Link* b) { return a->table < b->table; });
  std::unordered_map<int, double> table_score;
  std::unordered_map<int, std::pair<size_t, size_t>> table_range;  // the table's links in `order`
  std::vector<const Link*> at;
  for (size_t i = 0; i < order.size();) {
    int t = order[i]->table;
    size_t j = i;
    double score = 0;
    at.clear();
    for (; j < order.size() && order[j]->table == t; ++j)
      for (size_t p = order[j]->begin; p < order[j]->end; ++p) {
        if (p >= at.size()) at.resize(p + 1, nullptr);
        if (at[p] == nullptr) at[p] = order[j], score += order[j]->score;
      }
    table_score[t] = score;
    table_range[t] = {i, j};
    out.tables.push_back({t, -1, score, ""});
    i = j;
  }
  auto by_score = [&](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (tables_[a.table].rows != tables_[b.table].rows) return tables_[a.table].rows < tables_[b.table].rows;
    return a.table != b.table ? a.table < b.table : a.column < b.column;
  };
  size_t kt = std::min(k, out.tables.size());
  std::partial_sort(out.tables.begin(), out.tables.begin() + kt, out.tables.end(), by_score);
  out.tables.resize(kt);
  for (auto& c : out.tables) {
    std::vector<const Link*> used;
    auto [from, to] = table_range[c.table];
    for (size_t i = from; i < to; ++i) {
      const Link* l = order[i];
      bool covers_new = true;
      for (const Link* u : used) covers_new &= l->end <= u->begin || l->begin >= u->end;
      if (covers_new) used.push_back(l), c.why += (c.why.empty() ? "" : "; ") + Describe(*l);
    }
  }
  // Columns: the best link into each column (a value only half: it names a filter more than the column asked
  // for), plus its table's score.
  std::map<std::pair<int, int>, std::pair<double, const Link*>> col_best;
  for (const Link& l : links) {
    if (l.column < 0) continue;
    double sc = l.kind == Link::Kind::kValue ? 0.5 * l.score : l.score;
    auto& b = col_best[{l.table, l.column}];
    if (b.second == nullptr || b.first < sc) b = {sc, &l};
  }
  for (auto& [tc, b] : col_best) out.columns.push_back({tc.first, tc.second, b.first + table_score[tc.first], ""});
  size_t kc = std::min(k, out.columns.size());
  std::partial_sort(out.columns.begin(), out.columns.begin() + kc, out.columns.end(), by_score);
  out.columns.resize(kc);
  for (auto& c : out.columns) c.why = Describe(*col_best[{c.table, c.column}].second);
  return out;
}

std::string Catalog::Describe(const Link& l) const {
  const auto& t = tables_[l.table];
  std::string target = t.name;
  if (l.column >= 0) target += "." + t.columns[l.column].name;
  std::string s = "'" + l.words + "' → " + target;
  if (l.kind == Link::Kind::kValue) s += " = '" + l.value + "'";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", l.score);
  return s + " (" + l.via + ", score " + buf + ")";
}

}  // namespace glassbox::table
