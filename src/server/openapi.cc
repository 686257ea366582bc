// The OpenAPI 3 description of the HTTP API, written by hand (docs/server.md
// is the prose version; keep the two in step).
#include "server/server.h"

namespace glassbox::server {

const char* OpenApiJson() {
  return R"JSON({
  "openapi": "3.0.3",
  "info": {"title": "Glassbox", "version": "0.1.0",
           "description": "Explainable hybrid search over collections of documents. With --keys, every /v1 request needs Authorization: Bearer KEY."},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "parameters": {
      "name": {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}},
      "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "document id, percent-encoded ('#' as %23)"}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "enum": ["invalid_argument", "unauthorized", "forbidden", "not_found", "already_exists", "payload_too_large", "busy", "internal", "io_error", "corruption", "unsupported", "deadline_exceeded"]},
        "message": {"type": "string"}}}}},
      "Metadata": {"type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "number"}]}}]},
        "description": "numbers are numbers; YYYY-MM-DD strings are dates; other strings are keywords; an array repeats the field (e.g. acl_users, acl_groups)"},
      "DocumentIn": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string", "description": "stored as the field body"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "metadata": {"$ref": "#/components/schemas/Metadata"}}},
      "Document": {"type": "object", "properties": {"id": {"type": "string"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "metadata": {"$ref": "#/components/schemas/Metadata"}}},
      "Explanation": {"type": "object", "properties": {"matched": {"type": "boolean"}, "score": {"type": "number"}, "k1": {"type": "number", "minimum": 0, "maximum": 10}, "b": {"type": "number", "minimum": 0, "maximum": 1}, "summary": {"type": "string"},
        "terms": {"type": "array", "items": {"type": "object", "properties": {"term": {"type": "string"}, "field": {"type": "string"}, "boost": {"type": "number"}, "tf": {"type": "number"}, "df": {"type": "integer"}, "doc_count": {"type": "integer"}, "idf": {"type": "number"}, "doc_length": {"type": "number"}, "avg_doc_length": {"type": "number"}, "length_norm": {"type": "number"}, "contribution": {"type": "number"}, "feedback": {"type": "number"}}}}}},
      "Hit": {"type": "object", "properties": {"id": {"type": "string"}, "score": {"type": "number"}, "snippet": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "metadata": {"$ref": "#/components/schemas/Metadata"},
        "explanation": {"$ref": "#/components/schemas/Explanation"},
        "retrievers": {"type": "array", "items": {"type": "object", "properties": {"retriever": {"type": "string"}, "rank": {"type": "integer"}, "raw": {"type": "number"}, "normalized": {"type": "number"}, "weight": {"type": "number"}, "contribution": {"type": "number"}, "share": {"type": "number"}}}},
        "similar_words": {"type": "array", "items": {"type": "object", "properties": {"query_word": {"type": "string"}, "passage_word": {"type": "string"}, "contribution": {"type": "number"}}}},
        "passage_id": {"type": "string"}}},
      "SearchRequest": {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string", "maxLength": 4096}, "k": {"type": "integer", "default": 10, "maximum": 1000}, "offset": {"type": "integer", "default": 0},
        "mode": {"type": "string", "enum": ["auto", "bm25", "vector", "hybrid"]}, "fusion": {"type": "string", "enum": ["rrf", "minmax", "zscore"]},
        "weights": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}, "rrf_k": {"type": "number", "exclusiveMinimum": 0}, "candidates": {"type": "integer"},
        "explain": {"type": "boolean"}, "plain": {"type": "boolean"}, "documents": {"type": "boolean"}, "snippet": {"type": "boolean", "default": true},
        "algorithm": {"type": "string", "enum": ["auto", "exhaustive", "wand", "maxscore", "bmw"]}}},
      "SearchResponse": {"type": "object", "properties": {"mode": {"type": "string"}, "fusion": {"type": "string"}, "total_hits": {"type": "integer"}, "total_exact": {"type": "boolean"}, "took_ms": {"type": "number"}, "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}}},
      "Stats": {"type": "object", "properties": {"name": {"type": "string"}, "documents": {"type": "integer"}, "deleted": {"type": "integer"}, "buffered": {"type": "integer"}, "segments": {"type": "integer"}, "index_bytes": {"type": "integer"}, "terms": {"type": "integer"}, "avg_doc_length": {"type": "number"}, "analyzer": {"type": "string"}, "k1": {"type": "number", "minimum": 0, "maximum": 10}, "b": {"type": "number", "minimum": 0, "maximum": 1}, "generation": {"type": "integer"}, "embedder": {"type": "string"}, "vectors": {"type": "integer"}, "fusion": {"type": "string"}}},
      "IngestReport": {"type": "object", "properties": {"files_seen": {"type": "integer"}, "files_ok": {"type": "integer"}, "files_failed": {"type": "integer"}, "files_skipped": {"type": "integer"}, "documents": {"type": "integer"}, "chunks": {"type": "integer"}, "seconds": {"type": "number"}, "errors": {"type": "array", "items": {"type": "object", "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}}}}
    },
    "responses": {
      "Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "security": [{"bearer": []}],
  "paths": {
    "/health": {"get": {"security": [], "summary": "liveness", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}}}}}}}}},
    "/metrics": {"get": {"security": [], "summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"security": [], "summary": "this document", "responses": {"200": {"description": "OpenAPI 3"}}}},
    "/v1/collections": {
      "get": {"summary": "list collections (those the key may use)", "responses": {"200": {"description": "collections", "content": {"application/json": {"schema": {"type": "object", "properties": {"collections": {"type": "array", "items": {"$ref": "#/components/schemas/Stats"}}}}}}}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "create a collection (admin)", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "analyzer": {"type": "string", "default": "auto-qstop-mix"}, "embedder": {"type": "string", "default": "static", "description": "none, static, or an embedder the server allows (glassbox serve --allow-embedder), by name or spec"}, "k1": {"type": "number", "minimum": 0, "maximum": 10}, "b": {"type": "number", "minimum": 0, "maximum": 1}}}}}},
        "responses": {"201": {"description": "created"}, "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/v1/collections/{name}": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "delete": {"summary": "drop a collection and its files (admin)", "responses": {"200": {"description": "deleted"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/documents": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "post": {"summary": "add documents and commit (writer)", "requestBody": {"required": true, "content": {
          "application/json": {"schema": {"type": "object", "required": ["documents"], "properties": {"documents": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentIn"}}}}},
          "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
        "responses": {"200": {"description": "JSON: {added, ids}; multipart: an ingest report", "content": {"application/json": {"schema": {"oneOf": [{"type": "object", "properties": {"added": {"type": "integer"}, "ids": {"type": "array", "items": {"type": "string"}}}}, {"$ref": "#/components/schemas/IngestReport"}]}}}},
          "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/documents/{id}": {"parameters": [{"$ref": "#/components/parameters/name"}, {"$ref": "#/components/parameters/id"}],
      "get": {"summary": "a stored document, or with chunks=1 the chunks of a source document in order",
        "parameters": [{"name": "chunks", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]}}],
        "responses": {"200": {"description": "the document, or {id, chunks: [Document]}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}}, "404": {"$ref": "#/components/responses/Error"}}},
      "delete": {"summary": "delete a document and commit (writer)", "responses": {"200": {"description": "deleted"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/page": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "get": {"summary": "page view: a page of the PDF or image a document was read from, as an image (reader; the document's access control)",
        "parameters": [{"name": "id", "in": "query", "required": true, "schema": {"type": "string"}}, {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}}, {"name": "dpi", "in": "query", "schema": {"type": "integer", "minimum": 36, "maximum": 300, "default": 110}}],
        "responses": {"200": {"description": "the page", "content": {"image/png": {}, "image/jpeg": {}}}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "410": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/search": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "post": {"summary": "search", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchRequest"}}}},
        "responses": {"200": {"description": "hits", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/ask": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "post": {"summary": "answer a question with verified citations (extractive, FAQ, or generative when the server has a model); stream: true for Server-Sent Events sent as stages complete (retrieval, token, answer, citations, done | error)",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["question"], "properties": {"question": {"type": "string"}, "max_passages": {"type": "integer", "default": 5}, "answer_mode": {"type": "string", "enum": ["extractive", "faq", "generative"]}, "unsupported": {"type": "string", "enum": ["flag", "drop"]}, "not_found_threshold": {"type": "number"}, "handoff_threshold": {"type": "number"}, "stream": {"type": "boolean"}}}}}},
        "responses": {"200": {"description": "the answer: status, answer, confidence, verified, citations, passages, trace, timings_ms (or text/event-stream)"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/explain": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "post": {"summary": "a document's BM25 breakdown for a query, and why it is (not) in the top k",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["query", "id"], "properties": {"query": {"type": "string"}, "id": {"type": "string"}, "k": {"type": "integer", "default": 10}}}}}},
        "responses": {"200": {"description": "explanation", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}, "explanation": {"$ref": "#/components/schemas/Explanation"},
          "why": {"type": "object", "properties": {"reason": {"type": "string"}, "missing_terms": {"type": "array", "items": {"type": "string"}}, "detail": {"type": "string"}, "rank": {"type": "integer"}, "score": {"type": "number"}, "kth_score": {"type": "number"}, "message": {"type": "string"}}}}}}}},
          "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/collections/{name}/stats": {"parameters": [{"$ref": "#/components/parameters/name"}],
      "get": {"summary": "collection statistics", "responses": {"200": {"description": "stats", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}}, "404": {"$ref": "#/components/responses/Error"}}}}
  }
})JSON";
}

}  // namespace glassbox::server
