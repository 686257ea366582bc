// Small helpers for OOXML parts (DOCX, XLSX, PPTX) read with pugixml (internal).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "ingest/doc_formats.h"

namespace glassbox::ingest {

// The local part of an element name ("w:p" -> "p"): prefixes are not fixed.
inline std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}
// The first child with this local name.
inline pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c : n.children())
    if (LocalName(c) == local) return c;
  return {};
}
// An attribute by local name ("w:val" -> "val", "r:id" -> "id").
inline pugi::xml_attribute Attr(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_attribute a : n.attributes()) {
    std::string_view name = a.name();
    size_t colon = name.find(':');
    if ((colon == std::string_view::npos ? name : name.substr(colon + 1)) == local) return a;
  }
  return {};
}

// The relationship id of an element (r:id, whatever the prefix; not a plain "id").
inline std::string RelId(const pugi::xml_node& n) {
  for (pugi::xml_attribute a : n.attributes()) {
    std::string_view name = a.name();
    if (name.size() > 3 && name.substr(name.size() - 3) == ":id") return a.value();
  }
  return "";
}

// Parses a part of the archive; errors name the part. Whitespace-only text is kept when it is an element's only
// content (`<w:t xml:space="preserve"> </w:t>`, a run holding the space between two words: pandoc writes soft line
// breaks so); whitespace between elements is not.
inline Status LoadPart(const ZipArchive& zip, const std::string& part, std::string* buffer, pugi::xml_document* doc) {
  auto data = zip.Read(part);
  if (!data.ok()) return data.status();
  *buffer = std::move(data.value());
  pugi::xml_parse_result r = doc->load_buffer_inplace(buffer->data(), buffer->size(),
                                                        pugi::parse_default | pugi::parse_ws_pcdata_single,
                                                        pugi::encoding_utf8);
  if (!r) return Status::InvalidArgument("part " + part + ": bad XML at byte " + std::to_string(r.offset) + " (" + r.description() + ")");
  return Status::OK();
}

// A relationship part ("word/_rels/document.xml.rels") as id -> resolved part path.
inline std::map<std::string, std::string> ReadRelationships(const ZipArchive& zip, const std::string& rels_part,
                                                            const std::string& base_dir) {
  std::map<std::string, std::string> out;
  std::string buffer;
  pugi::xml_document doc;
  if (!LoadPart(zip, rels_part, &buffer, &doc).ok()) return out;
  for (pugi::xml_node r : doc.document_element().children())
    if (LocalName(r) == "Relationship" && std::string_view(Attr(r, "TargetMode").value()) != "External")
      out[Attr(r, "Id").value()] = ResolvePartPath(base_dir, Attr(r, "Target").value());
  return out;
}

}  // namespace glassbox::ingest
