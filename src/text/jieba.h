// A max-probability Chinese word segmenter over jieba's dictionary (dict.txt,
// lines "word freq tag"): build the DAG of dictionary words starting at each
// character, then pick the path maximizing the sum of log(freq/total), as
// jieba's default cut without HMM does. Characters that start no dictionary
// word become single-character words.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "glassbox/status.h"

namespace glassbox::text {

class JiebaDict {
 public:
  // Reads and indexes a dictionary file. NotFound if it cannot be opened.
  static Result<std::shared_ptr<const JiebaDict>> Load(const std::string& path);
  // As Load, but each path is loaded once per process and shared (thread-safe).
  static Result<std::shared_ptr<const JiebaDict>> Shared(const std::string& path);

  // Segments `utf8` (a run of characters whose start byte offsets are
  // char_starts[0..n-1], with char_starts[n] == utf8.size()). Appends to *words
  // the character index one past the end of each word, in order.
  void Cut(std::string_view utf8, const std::vector<uint32_t>& char_starts, std::vector<uint32_t>* word_ends) const;

  size_t entries() const { return count_; }   // words plus prefixes
  size_t words() const { return words_; }
  double total() const { return total_; }
  // log(freq/total) of a word, or false if it is not a dictionary word.
  bool LogProb(std::string_view word, double* logp) const;

 private:
  struct Slot {
    uint32_t off = 0;    // key bytes in data_
    uint16_t len = 0;    // 0: empty slot
    uint16_t word = 0;   // 1: a word with freq > 0; 0: only a prefix of one
    double logp = 0;     // log(freq) - log(total) for words (freq while loading)
  };
  const Slot* Find(std::string_view key, uint64_t hash) const;
  Slot* Insert(uint32_t off, uint16_t len, uint64_t hash, bool* inserted);
  void Grow();

  std::string data_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
  size_t words_ = 0;
  size_t max_chars_ = 1;  // longest key, in characters
  double total_ = 0;
  double min_logp_ = 0;   // log(1) - log(total): an unknown single character
};

}  // namespace glassbox::text
