// Glassbox: an embedded, explainable search engine. Include this header.
#pragma once
#include "glassbox/collection.h"
#include "glassbox/document.h"
#include "glassbox/ingest.h"
#include "glassbox/request.h"
#include "glassbox/search.h"
#include "glassbox/status.h"
