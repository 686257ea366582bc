// PPTX (PowerPoint 2007+; libzip + pugixml): one document per file, one Page
// per slide (slide number = page number, in the presentation's order).
//
//  - A slide's text: the paragraphs of its shapes, tables and groups in
//    document order, one per line; slides are separated by blank lines. Speaker
//    notes are not read.
//  - Title: the first slide's title placeholder (type "title" or "ctrTitle"),
//    else docProps/core.xml's title, else the file name. Metadata: slides,
//    author, created, modified.
//  - Errors name the slide: "slide 3: part ppt/slides/slide3.xml: bad XML ...".
#include "ingest/doc_formats.h"
#include "ingest/ooxml.h"
#include "ingest/text_util.h"

namespace glassbox::ingest {
namespace {

void ParagraphText(const pugi::xml_node& n, std::string* out) {
  for (pugi::xml_node c : n.children()) {
    std::string_view local = LocalName(c);
    if (local == "t") *out += c.text().get();
    else if (local == "br") out->push_back('\n');
    else if (local == "tab") out->push_back('\t');
    else if (local != "pPr" && local != "rPr") ParagraphText(c, out);
  }
}

// Every a:p under `n`, in order: appended as lines to *text. *title gets the
// text of the first title placeholder.
void ShapeText(const pugi::xml_node& n, std::string* text, std::string* title) {
  for (pugi::xml_node c : n.children()) {
    std::string_view local = LocalName(c);
    if (local == "p") {  // a:p, a DrawingML paragraph
      std::string line;
      ParagraphText(c, &line);
      line = std::string(TrimAscii(line));
      if (!line.empty()) *text += (text->empty() ? "" : "\n") + line;
      continue;
    }
    if (local == "sp" && title->empty()) {
      pugi::xml_node ph = Child(Child(Child(c, "nvSpPr"), "nvPr"), "ph");
      std::string_view type = Attr(ph, "type").value();
      if (ph && (type == "title" || type == "ctrTitle")) {
        std::string t;
        ShapeText(c, &t, title);
        *title = CollapseSpace(t);
      }
    }
    ShapeText(c, text, title);
  }
}

Status ReadPptx(const ReadInput& in, ReadOutput* out) {
  auto opened = ZipArchive::Open(in.data);
  if (!opened.ok()) return opened.status();
  const ZipArchive& zip = *opened.value();
  std::string buffer;
  pugi::xml_document pres;
  Status st = LoadPart(zip, "ppt/presentation.xml", &buffer, &pres);
  if (!st.ok()) return st.code() == Status::Code::kNotFound ? Status::InvalidArgument("not a PowerPoint presentation (no ppt/presentation.xml)") : st;
  auto rels = ReadRelationships(zip, "ppt/_rels/presentation.xml.rels", "ppt/");
  SourceDocument doc;
  doc.id = in.name;
  std::string first_title;
  int number = 0;
  for (pugi::xml_node id : Child(pres.document_element(), "sldIdLst").children()) {
    if (LocalName(id) != "sldId") continue;
    ++number;
    std::string where = "slide " + std::to_string(number) + ": ";
    auto rel = rels.find(RelId(id));
    if (rel == rels.end()) return Status::InvalidArgument(where + "no part for the slide in the presentation relationships");
    std::string slide_buffer;
    pugi::xml_document slide;
    Status s = LoadPart(zip, rel->second, &slide_buffer, &slide);
    if (!s.ok()) return Status::InvalidArgument(where + s.message());
    std::string text, title;
    ShapeText(slide.document_element(), &text, &title);
    if (number == 1) first_title = title;
    if (text.empty()) continue;
    if (!doc.body.empty()) doc.body += "\n\n";
    size_t begin = doc.body.size();
    doc.body += text;
    doc.pages.push_back({number, begin, doc.body.size()});
  }
  CoreProperties core = ReadCoreProperties(zip);
  size_t slash = in.name.rfind('/');
  doc.title = !first_title.empty() ? first_title
              : !core.title.empty() ? core.title
                                    : in.name.substr(slash == std::string::npos ? 0 : slash + 1);
  doc.metadata.emplace_back("slides", MetadataValue::Number(number, std::to_string(number)));
  AddCoreMetadata(core, &doc);
  out->documents.push_back(std::move(doc));
  return Status::OK();
}

}  // namespace

Reader PptxReader() {
  Reader r;
  r.name = "pptx";
  r.media_types = {"application/vnd.openxmlformats-officedocument.presentationml.presentation"};
  r.extensions = {".pptx"};
  r.text = false;
  r.read = ReadPptx;
  return r;
}

}  // namespace glassbox::ingest
