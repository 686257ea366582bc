// The web page of `glassbox serve` (src/server/web/*), embedded at build time
// by scripts/embed-web.py into web_assets.cc. The server answers "/" with
// "index.html" and "/static/NAME" with the asset whose path is NAME.
#pragma once

namespace glassbox::server {

struct WebAsset {
  const char* path;          // file name inside src/server/web, e.g. "app.js"
  const char* content_type;  // e.g. "text/javascript; charset=utf-8"
  const char* data;          // the bytes (NUL-terminated, but may contain NULs)
  unsigned long size;
};

extern const WebAsset kWebAssets[];
extern const unsigned long kWebAssetCount;

}  // namespace glassbox::server
