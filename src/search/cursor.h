// The cursor interface every top-k algorithm runs over (one segment at a time).
//
// A ScoringCursor walks the documents of one query clause in increasing local
// document id order and scores the current document. Block-max metadata lets
// algorithms skip runs of documents that cannot enter the top k.
#pragma once

#include <cstdint>
#include <limits>

namespace glassbox::search {

using DocId = uint32_t;
inline constexpr DocId kNoMoreDocs = std::numeric_limits<DocId>::max();

class ScoringCursor {
 public:
  virtual ~ScoringCursor() = default;
  // Current document, or kNoMoreDocs when exhausted. Before the first
  // Next()/Advance() the cursor is positioned on its first document.
  virtual DocId doc() const = 0;
  // Moves to the next document.
  virtual void Next() = 0;
  // Moves to the first document >= target (no-op if already there).
  virtual void Advance(DocId target) = 0;
  // Score of the current document for this clause (> 0 for scoring clauses,
  // 0 for non-scoring ones such as filters).
  virtual float Score() = 0;
  // An upper bound of Score() over every document of the cursor.
  virtual float MaxScore() const = 0;
  // Positions the block pointer on the block that contains `target` (or the
  // first block after it) without decoding documents, and returns the last
  // document id of that block (kNoMoreDocs if none). Never moves doc() back.
  virtual DocId ShallowAdvance(DocId target) = 0;
  // An upper bound of Score() for the documents of the block chosen by the
  // last ShallowAdvance().
  virtual float BlockMaxScore() const = 0;
  // Number of documents the cursor may visit (its document frequency).
  virtual uint64_t cost() const = 0;
};

// Decides whether a candidate document may be returned at all: not deleted,
// passes metadata filters, contains no excluded term. Checked before scoring.
class DocAcceptor {
 public:
  virtual ~DocAcceptor() = default;
  // Called with non-decreasing doc ids within one segment.
  virtual bool Accept(DocId doc) = 0;
  // True when it may reject many documents at the cost of a bit test (access
  // control, filters): the top-k algorithms then ask before scoring a
  // candidate instead of after, so a rejected one costs no scoring.
  virtual bool Selective() const { return false; }
};

}  // namespace glassbox::search
