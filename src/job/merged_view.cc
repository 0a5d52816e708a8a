#include "job/merged_view.h"

#include "job/text_scan.h"

namespace surety {
namespace {

// The merge recurses once per level, so the depth is bounded (toml++
// itself parses deeper tables than a stack would take).
bool MergeTableAt(MNode& into, const toml::table& t, DiagnosticSink& diags, int depth) {
  into.is_table = true;
  for (auto&& [k, v] : t) {
    const toml::table* sub = v.as_table();
    if (sub && depth + 1 > kMaxTableDepth) {
      diags.Error(k.source(), TooDeepMessage());
      return false;
    }
    MNode& child = into.children[std::string(k.str())];
    child.where = k.source();
    if (sub) {
      if (!child.is_table) child = MNode{nullptr, k.source(), {}, true};
      if (!MergeTableAt(child, *sub, diags, depth + 1)) return false;
    } else {
      child.node = &v;
      child.is_table = false;
      child.children.clear();
    }
  }
  return true;
}

// The depth is bounded by MergeTable(); the check keeps it so.
void MergeNodesAt(MNode& into, const MNode& from, int depth) {
  for (const auto& [k, v] : from.children) {
    MNode& c = into.children[k];
    if (v.is_table && c.is_table && depth < kMaxTableDepth) {
      MergeNodesAt(c, v, depth + 1);
    } else {
      c = v;
    }
  }
}

}  // namespace

bool MergeTable(MNode& into, const toml::table& t, DiagnosticSink& diags) {
  return MergeTableAt(into, t, diags, 0);
}

void MergeNodes(MNode& into, const MNode& from) { MergeNodesAt(into, from, 0); }

}  // namespace surety
