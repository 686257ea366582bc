// A small command-line parser: positional arguments, --flag, --key value,
// --key=value, repeated keys. Unknown flags are errors.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace glassbox::cli {

class Args {
 public:
  // `value_flags` take a value; `bool_flags` do not. Short aliases map to long names.
  bool Parse(int argc, char** argv, int first, const std::set<std::string>& value_flags,
             const std::set<std::string>& bool_flags, std::string* error) {
    for (int i = first; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--") {
        for (++i; i < argc; ++i) positional_.push_back(argv[i]);
        break;
      }
      if (a == "-k") a = "--k";
      if (a == "-h") a = "--help";
      if (a.size() > 2 && a.rfind("--", 0) == 0) {
        std::string key = a.substr(2), value;
        bool has_value = false;
        if (auto eq = key.find('='); eq != std::string::npos) {
          value = key.substr(eq + 1);
          key = key.substr(0, eq);
          has_value = true;
        }
        if (bool_flags.count(key)) {
          if (has_value) { *error = "option --" + key + " takes no value"; return false; }
          flags_.insert(key);
        } else if (value_flags.count(key)) {
          if (!has_value) {
            if (i + 1 >= argc) { *error = "option --" + key + " needs a value"; return false; }
            value = argv[++i];
          }
          values_[key].push_back(value);
        } else {
          *error = "unknown option --" + key;
          return false;
        }
      } else {
        positional_.push_back(a);
      }
    }
    return true;
  }
  bool Has(const std::string& flag) const { return flags_.count(flag) > 0; }
  bool HasValue(const std::string& key) const { return values_.count(key) > 0; }
  std::string Get(const std::string& key, const std::string& def = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? def : it->second.back();
  }
  std::vector<std::string> GetAll(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::vector<std::string>() : it->second;
  }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace glassbox::cli
