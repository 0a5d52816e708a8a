#include "job/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace surety {

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  return out + ": " + message;
}

void SortInFileOrder(std::vector<Diagnostic>& list) {
  std::vector<std::string> order;
  for (const Diagnostic& d : list)
    if (std::find(order.begin(), order.end(), d.file) == order.end()) order.push_back(d.file);
  auto rank = [&](const Diagnostic& d) {
    return std::make_tuple(std::find(order.begin(), order.end(), d.file) - order.begin(), d.line,
                           d.column);
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
}

}  // namespace surety
