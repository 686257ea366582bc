// Comparing two figures from two steps of a question ("Is the contract price
// of bagged cement above what we paid on average in 2025?"): the question is
// split at its comparison word into two sides, each side is answered on its
// own route (documents or tables, route.cc), and the two figures are compared
// only when both were found and their currencies and units agree.
#pragma once

#include <string>

#include "glassbox/answer.h"

namespace glassbox::answer {

// "Is A above B?" / "A是否高于B" / "A比B高吗": the two sides and the direction.
struct Comparison {
  std::string left, right;  // the two sides, as written
  std::string words;        // the comparison word ("above", "高于")
  int sense = 1;            // +1: is left greater than right; -1: is left less than right
};

// False when the question is not a comparison of two figures; a side that is
// a bare number ("above 400") is a filter for the tables, not a second step.
bool SplitComparison(const std::string& question, Comparison* out);

// A figure taken from a step's answer: its value, currency and unit ("per
// tonne"), and where it came from (for the trace).
struct Figure {
  bool found = false;
  double value = 0;
  std::string currency;  // "CNY", "USD", "EUR"; empty: none said
  std::string per;       // the unit a price is per ("tonne"); empty: none said
  std::string from;      // "table purchases: AVG(unit_price)", "[1] contracts/...: '468.00'"
  std::string why_not;   // when not found
};

// The figure of a documents answer: the first number of the answer text that
// is not a year or a citation marker; currency and unit from the answer text,
// else from the cited passage.
Figure FigureOfDocuments(const Answer& a);
// The figure of a table answer: the single cell of a one-row, one-value
// result; currency and unit from the explanation's measure line or the
// answer sentence (`unit` as TableAnswer::measure_unit gives it: "CNY/tonne").
Figure FigureOfTable(const Answer& a, const std::string& unit);

// The combining step: compares the two figures, or says why it cannot
// (a figure missing, currencies or units that differ). Its trace holds both
// figures, where each came from, the check of units and the comparison.
Answer CompareFigures(const Comparison& c, const Figure& left, const Figure& right);

}  // namespace glassbox::answer
