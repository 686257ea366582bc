// Binary serialization of a Document (doc store and write-ahead log).
#pragma once

#include <string>
#include <string_view>

#include "glassbox/document.h"

namespace glassbox::index {

void EncodeDocument(const Document& doc, std::string* dst);
// False if `data` is not a well-formed encoding.
bool DecodeDocument(std::string_view data, Document* doc);

}  // namespace glassbox::index
