// Lucene peer driver (Debian's liblucene8-java jars; compiled with javac at run
// time by bench/peers/lucene.sh, no Maven).
//
//   LuceneBench beir  --dataset DIR --lang en|zh --run OUT [--k 100] [--k1 1.2] [--b 0.75]
//   LuceneBench speed --corpus FILE.jsonl --queries FILE --index DIR --json OUT
//                     [--k 10] [--warmup 2] [--reps 5] [--reuse-index] [--no-fetch]
// (--no-fetch: time the top k without loading the hits' stored ids)
//
// beir: title + text as one field ("flat"), EnglishAnalyzer (its default stop
// list, Porter stemming) or SmartChineseAnalyzer; BM25Similarity(k1, b); the
// query is a bag of analyzed terms (BooleanQuery of SHOULD TermQuery clauses),
// top k written as a TREC run.
// speed: one text field, EnglishAnalyzer without a stop list (as the other
// engines: none of them drops stop words), id and text stored; single thread,
// 256 MB RAM buffer, one commit, no forceMerge; classic QueryParser, default OR.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

public class LuceneBench {
  static Map<String, String> flags = new HashMap<>();

  static String flag(String k, String def) { return flags.getOrDefault(k, def); }

  static void die(String msg) {
    System.err.println("error: " + msg);
    System.exit(1);
  }

  // ---- a minimal JSON reader (objects, arrays, strings, numbers, literals) ----
  static final class Json {
    final String s;
    int i = 0;
    Json(String s) { this.s = s; }
    static Object parse(String s) {
      Json j = new Json(s);
      Object v = j.value();
      j.ws();
      if (j.i != s.length()) throw new IllegalArgumentException("trailing characters at " + j.i);
      return v;
    }
    void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    Object value() {
      ws();
      if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
      char c = s.charAt(i);
      if (c == '{') {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (s.charAt(i) == '}') { i++; return m; }
        while (true) {
          ws();
          String k = string();
          ws();
          expect(':');
          m.put(k, value());
          ws();
          if (s.charAt(i) == ',') { i++; continue; }
          expect('}');
          return m;
        }
      }
      if (c == '[') {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (s.charAt(i) == ']') { i++; return l; }
        while (true) {
          l.add(value());
          ws();
          if (s.charAt(i) == ',') { i++; continue; }
          expect(']');
          return l;
        }
      }
      if (c == '"') return string();
      if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
      if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
      if (s.startsWith("null", i)) { i += 4; return null; }
      int st = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      if (st == i) throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
      String num = s.substring(st, i);
      return num.matches("-?\\d+") ? (Object) Long.valueOf(num) : (Object) Double.valueOf(num);
    }
    void expect(char c) {
      if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' at " + i);
      i++;
    }
    String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        char e = s.charAt(i++);
        switch (e) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
          default: b.append(e);
        }
      }
    }
  }

  interface DocSink { void add(String id, String text) throws IOException; }

  // Reads {"_id"|"id", "title"?, "text"} lines; title and text joined by a space.
  static void readDocs(String path, DocSink sink) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        Map<?, ?> m;
        try {
          m = (Map<?, ?>) Json.parse(line);
        } catch (RuntimeException e) {
          die(path + ":" + n + ": " + e.getMessage());
          return;
        }
        Object id = m.containsKey("_id") ? m.get("_id") : m.get("id");
        Object title = m.get("title"), text = m.get("text");
        String t = (title instanceof String && !((String) title).isEmpty()) ? title + " " : "";
        sink.add(String.valueOf(id), t + (text == null ? "" : text.toString()));
      }
    }
  }

  static List<String[]> readJsonl(String path, String a, String b) throws IOException {
    List<String[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      Map<?, ?> m = (Map<?, ?>) Json.parse(line);
      Object vb = m.get(b);
      if (vb instanceof List) vb = ((List<?>) vb).isEmpty() ? "untagged" : ((List<?>) vb).get(0);
      out.add(new String[] {String.valueOf(m.get(a)), String.valueOf(vb)});
    }
    return out;
  }

  static long dirBytes(Path p) throws IOException {
    long[] total = {0};
    Files.walk(p).filter(Files::isRegularFile).forEach(f -> {
      try { total[0] += Files.size(f); } catch (IOException e) { }
    });
    return total[0];
  }

  static Query bagOfWords(Analyzer an, String text) throws IOException {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    try (TokenStream ts = an.tokenStream("body", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) b.add(new TermQuery(new Term("body", term.toString())), BooleanClause.Occur.SHOULD);
      ts.end();
    }
    return b.build();
  }

  static void beir() throws Exception {
    String dir = flag("dataset", null);
    boolean zh = flag("lang", "en").equals("zh");
    int k = Integer.parseInt(flag("k", "100"));
    float k1 = Float.parseFloat(flag("k1", "1.2")), b = Float.parseFloat(flag("b", "0.75"));
    Analyzer an = zh ? new SmartChineseAnalyzer() : new EnglishAnalyzer();
    BooleanQuery.setMaxClauseCount(1 << 16);
    Directory d = new ByteBuffersDirectory();
    IndexWriterConfig cfg = new IndexWriterConfig(an).setSimilarity(new BM25Similarity(k1, b));
    try (IndexWriter w = new IndexWriter(d, cfg)) {
      readDocs(dir + "/corpus.jsonl", (id, text) -> {
        Document doc = new Document();
        doc.add(new StringField("id", id, Field.Store.YES));
        doc.add(new TextField("body", text, Field.Store.NO));
        w.addDocument(doc);
      });
      w.commit();
    }
    Set<String> judged = new HashSet<>();
    List<String> qrelLines = Files.readAllLines(Paths.get(dir + "/qrels/test.tsv"), StandardCharsets.UTF_8);
    for (int i = 1; i < qrelLines.size(); i++) {
      String[] f = qrelLines.get(i).split("\t");
      if (f.length >= 3) judged.add(f[0]);
    }
    try (DirectoryReader r = DirectoryReader.open(d);
         PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(flag("run", null)), StandardCharsets.UTF_8))) {
      IndexSearcher s = new IndexSearcher(r);
      s.setSimilarity(new BM25Similarity(k1, b));
      String tag = "lucene-" + (zh ? "smartcn" : "english") + "-k1=" + k1 + "-b=" + b;
      for (String[] q : readJsonl(dir + "/queries.jsonl", "_id", "text")) {
        if (!judged.contains(q[0])) continue;
        TopDocs td = s.search(bagOfWords(an, q[1]), k);
        int rank = 1;
        for (ScoreDoc sd : td.scoreDocs) {
          String id = s.doc(sd.doc, Set.of("id")).get("id");
          out.printf(Locale.ROOT, "%s Q0 %s %d %.6f %s%n", q[0], id, rank++, sd.score, tag);
        }
      }
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static void speed() throws Exception {
    String corpus = flag("corpus", null), index = flag("index", null), json = flag("json", null);
    int k = Integer.parseInt(flag("k", "10"));
    int warmup = Integer.parseInt(flag("warmup", "2")), reps = Integer.parseInt(flag("reps", "5"));
    Analyzer an = new EnglishAnalyzer(CharArraySet.EMPTY_SET);
    Path ip = Paths.get(index);
    double indexSeconds = -1;
    if (!flags.containsKey("reuse-index")) {
      if (Files.exists(ip)) {
        Files.walk(ip).sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      long t0 = System.nanoTime();
      IndexWriterConfig cfg = new IndexWriterConfig(an).setRAMBufferSizeMB(256)
          .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      try (Directory d = FSDirectory.open(ip); IndexWriter w = new IndexWriter(d, cfg)) {
        readDocs(corpus, (id, text) -> {
          Document doc = new Document();
          doc.add(new StringField("id", id, Field.Store.YES));
          doc.add(new TextField("body", text, Field.Store.YES));
          w.addDocument(doc);
        });
        w.commit();
      }
      indexSeconds = (System.nanoTime() - t0) / 1e9;
    }
    List<String[]> queries = readJsonl(flag("queries", null), "query", "tags");
    try (Directory d = FSDirectory.open(ip); DirectoryReader r = DirectoryReader.open(d)) {
      IndexSearcher s = new IndexSearcher(r);  // BM25Similarity(1.2, 0.75) by default
      long docs = r.numDocs();
      QueryParser qp = new QueryParser("body", an);  // default operator OR
      Set<String> idField = Set.of("id");
      final boolean noFetch = flags.containsKey("no-fetch");  // top-k doc numbers and scores only
      java.util.function.ToIntFunction<String> run = q -> {
        try {
          TopDocs td = s.search(qp.parse(q), k);
          int n = 0;
          if (noFetch) return td.scoreDocs.length;
          for (ScoreDoc sd : td.scoreDocs) if (s.doc(sd.doc, idField).get("id") != null) n++;
          return n;
        } catch (Exception e) {
          throw new RuntimeException(q + ": " + e.getMessage(), e);
        }
      };
      for (int w = 0; w < warmup; w++) for (String[] q : queries) run.applyAsInt(q[0]);
      Map<String, List<double[]>> byClass = new TreeMap<>();
      double[] t = new double[reps];
      for (String[] q : queries) {
        int hits = 0;
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          hits = run.applyAsInt(q[0]);
          t[i] = (System.nanoTime() - t0) / 1e3;
        }
        double med = median(t);
        for (String cls : new String[] {q[1], "all"}) byClass.computeIfAbsent(cls, c -> new ArrayList<>()).add(new double[] {med, hits});
      }
      StringBuilder cj = new StringBuilder("{");
      for (Map.Entry<String, List<double[]>> e : byClass.entrySet()) {
        List<double[]> v = e.getValue();
        double[] meds = new double[v.size()];
        double sum = 0, hits = 0;
        for (int i = 0; i < v.size(); i++) { meds[i] = v.get(i)[0]; sum += meds[i]; hits += v.get(i)[1]; }
        double[] sorted = meds.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double p95 = sorted[Math.min(n - 1, (int) Math.round(0.95 * (n - 1)))];
        if (cj.length() > 1) cj.append(',');
        cj.append(String.format(Locale.ROOT, "\"%s\":{\"queries\":%d,\"mean_us\":%.3f,\"median_us\":%.3f,\"p95_us\":%.3f,\"avg_hits\":%.3f}",
            e.getKey(), n, sum / n, median(meds), p95, hits / n));
      }
      cj.append('}');
      String version = org.apache.lucene.util.Version.LATEST.toString();
      String settings = "EnglishAnalyzer without stop words, id+text stored, RAM buffer 256 MB, one thread, one commit, "
          + "no forceMerge; BM25Similarity(1.2,0.75); classic QueryParser default OR; JVM " + System.getProperty("java.version");
      try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(json), StandardCharsets.UTF_8))) {
        out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"version\":\"%s\",\"docs\":%d,\"index_seconds\":%.3f,\"docs_per_second\":%.1f,"
            + "\"index_bytes\":%d,\"fetch_ids\":%s,\"settings\":\"%s\",\"classes\":%s}%n",
            version, docs, indexSeconds, indexSeconds > 0 ? docs / indexSeconds : -1.0, dirBytes(ip), flags.containsKey("no-fetch") ? "false" : "true", settings, cj);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) die("usage: LuceneBench beir|speed --flag value ...");
    for (int i = 1; i < args.length; i++) {
      String k = args[i];
      if (!k.startsWith("--")) die("unexpected argument: " + k);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) flags.put(k.substring(2), args[++i]);
      else flags.put(k.substring(2), "1");
    }
    if (args[0].equals("beir")) beir();
    else if (args[0].equals("speed")) speed();
    else die("unknown mode " + args[0]);
  }
}
