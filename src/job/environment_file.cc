#include "job/environment_file.h"

#include <algorithm>

namespace surety {

EnvironmentFile ParseEnvironmentFile(const std::string& text) {
  EnvironmentFile out;
  size_t pos = 0;
  int number = 0;
  while (pos <= text.size()) {
    ++number;
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#' || line[b] == ';') continue;
    line = line.substr(b);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      out.problems.push_back("line " + std::to_string(number) + ": not KEY=VALUE (ignored)");
      continue;
    }
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key.find_first_of(" \t") != std::string::npos) {  // "PASS WORD=x"
      out.problems.push_back("line " + std::to_string(number) + ": not KEY=VALUE (ignored)");
      continue;
    }
    std::string value = line.substr(eq + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.vars[key] = value;
  }
  return out;
}

}  // namespace surety
