#include "cli/completion.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <ostream>
#include <set>
#include <sstream>

#include "cli/job_commands.h"
#include "cli/job_load.h"
#include "job/build_jobs.h"

namespace surety {

namespace {

// The root option that names the job file, passed on when the scripts ask
// for the job names, and the command line that asks for them.
constexpr const char* kJobFileOption = "--config";
constexpr const char* kJobNamesCommand = "completion --jobs";

// A word the scripts may hold unquoted (command, option and choice names).
bool SafeWord(std::string_view w) {
  if (w.empty()) return false;
  return std::all_of(w.begin(), w.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '+' || c == '@' || c == '%' || c == '/';
  });
}

// The help text's first clause, on one line of at most 70 characters.
std::string ShortLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  size_t cut = text.size();
  for (const char* sep : {". ", "; ", " ("}) cut = std::min(cut, text.find(sep));
  text.resize(cut);
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  constexpr size_t kMax = 70;
  if (text.size() > kMax) {
    size_t space = text.rfind(' ', kMax - 3);
    text.resize(space == std::string::npos ? kMax - 3 : space);
    text += "...";
  }
  return text;
}

// The set of a CLI::IsMember validator, from the option's type name
// ("TEXT:{manual,schedule}"); empty when there is none, or when it holds
// anything but plain words (a map's "{a->b}").
std::vector<std::string> ChoicesOf(const CLI::Option& o) {
  const std::string type = o.get_type_name();
  size_t open = type.find(":{");
  if (open == std::string::npos) return {};
  size_t close = type.find('}', open);
  if (close == std::string::npos) return {};
  std::vector<std::string> choices;
  std::stringstream set(type.substr(open + 2, close - open - 2));
  for (std::string c; std::getline(set, c, ',');) {
    if (!SafeWord(c)) return {};
    choices.push_back(c);
  }
  return choices;
}

CompletionArg DescribeOption(const CLI::Option& o, bool positional) {
  CompletionArg a;
  if (positional) {
    a.names.push_back(o.get_name(true));
  } else {
    for (const auto& s : o.get_snames()) a.names.push_back("-" + s);
    for (const auto& l : o.get_lnames()) a.names.push_back("--" + l);
  }
  a.description = ShortLine(o.get_description());
  a.hidden = o.get_group().empty();
  a.takes_value = positional || o.get_items_expected_max() > 0;  // a flag expects 0
  a.repeatable = o.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  const int most = o.get_items_expected_max();
  a.max_words = most >= CLI::detail::expected_max_vector_size ? 0 : std::max(most, 1);
  if (!a.takes_value) return a;
  a.choices = ChoicesOf(o);
  if (!a.choices.empty()) {
    a.kind = ValueKind::kChoices;
  } else if (positional && a.names.front() == "JOB") {
    a.kind = ValueKind::kJob;
  } else if (o.get_type_name().rfind("FILE", 0) == 0) {
    a.kind = ValueKind::kFile;
  }
  return a;
}

CompletionCommand Describe(const CLI::App& app) {
  CompletionCommand c;
  c.name = app.get_name();
  c.description = ShortLine(app.get_description());
  c.hidden = app.get_group().empty();
  c.inherits = app.get_fallthrough();
  for (const CLI::Option* o : app.get_options()) {
    if (o->nonpositional()) {
      CompletionArg a = DescribeOption(*o, false);
      // Every name the scripts write must be safe to write unquoted.
      a.names.erase(std::remove_if(a.names.begin(), a.names.end(),
                                   [](const std::string& n) { return !SafeWord(n); }),
                    a.names.end());
      if (!a.names.empty()) c.options.push_back(std::move(a));
    }
    if (o->get_positional()) c.positionals.push_back(DescribeOption(*o, true));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (SafeWord(sub->get_name())) c.commands.push_back(Describe(*sub));
  }
  return c;
}

// Every command of the tree with its path ("", "run", "export systemd"),
// and the options that hold there: its own and, where it inherits them,
// its parent's.
struct Node {
  std::string path;
  const CompletionCommand* command;
  std::vector<const CompletionArg*> options;  // own ones first
};

void Walk(const CompletionCommand& c, const std::string& path,
          const std::vector<const CompletionArg*>& parent_options, std::vector<Node>& out) {
  Node n{path, &c, {}};
  for (const auto& o : c.options) n.options.push_back(&o);
  // A parent's option the command has not taken the name of (--help).
  auto taken = [&](const CompletionArg* o) {
    for (const auto& own : c.options)
      for (const auto& name : own.names)
        if (std::find(o->names.begin(), o->names.end(), name) != o->names.end()) return true;
    return false;
  };
  if (c.inherits)
    for (const CompletionArg* o : parent_options)
      if (!taken(o)) n.options.push_back(o);
  out.push_back(n);
  for (const auto& sub : c.commands) {
    Walk(sub, path.empty() ? sub.name : path + " " + sub.name, n.options, out);
  }
}

std::vector<Node> Nodes(const CompletionCommand& root) {
  std::vector<Node> nodes;
  Walk(root, "", {}, nodes);
  return nodes;
}

// Whether `o` is the command's own option, not one inherited.
bool Own(const Node& n, const CompletionArg* o) {
  const auto& own = n.command->options;
  return std::any_of(own.begin(), own.end(), [&](const CompletionArg& x) { return &x == o; });
}

std::string LongName(const CompletionArg& a) {
  for (const auto& n : a.names)
    if (n.rfind("--", 0) == 0) return n;
  return a.names.front();
}

std::string Join(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// 'text' for bash and zsh.
std::string ShQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// 'text' for fish, whose single quotes take \' and \\.
std::string FishQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The positional slots of a command: [first, last) word indexes (last 0:
// every word from first on).
struct Slot {
  int first;
  int last;
  const CompletionArg* arg;
};

std::vector<Slot> Slots(const CompletionCommand& c) {
  std::vector<Slot> slots;
  int at = 0;
  for (const auto& p : c.positionals) {
    if (p.max_words == 0) {
      slots.push_back({at, 0, &p});
      break;  // it takes every word left
    }
    slots.push_back({at, at + p.max_words, &p});
    at += p.max_words;
  }
  return slots;
}

// `text` with each @KEY@ of `values` replaced.
std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

// The prefix of the scripts' functions: "_surety".
std::string FunctionPrefix(const std::string& program) {
  std::string fn = "_" + program;
  for (char& c : fn)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return fn;
}

// ---- bash ----------------------------------------------------------------

constexpr const char* kBashScript =
    R"sh(# bash completion for @PROG@, made by `@PROG@ completion bash` from the
# program's own command table: do not edit it, make it anew.
# Installed as share/bash-completion/completions/@PROG@; or put this line in
# ~/.bashrc:  source <(@PROG@ completion bash)
@TABLES@
@FN@_choices() {
  local cur=$1
  shift
  mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

@FN@_files() {
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# The job names of the job file that start with $1: the program on the line
# is asked, with the line's @CONFIG@ options; nothing when it cannot tell.
@FN@_jobs() {
  local bin=${COMP_WORDS[0]} w i names args=()
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      @CONFIG@)
        w=${COMP_WORDS[i + 1]}
        i=$((i + 1))
        if [[ $w == = ]]; then
          w=${COMP_WORDS[i + 1]}
          i=$((i + 1))
        fi
        ;;
      @CONFIG@=*) w=${w#*=} ;;
      *) continue ;;
    esac
    [[ $w == '~/'* ]] && w=$HOME/${w#'~/'}
    [[ -n $w ]] && args+=(@CONFIG@ "$w")
  done
  [[ $bin == '~/'* ]] && bin=$HOME/${bin#'~/'}
  command -v -- "$bin" >/dev/null 2>&1 || bin=@PROG@
  names=$("$bin" "${args[@]}" @JOBS@ 2>/dev/null </dev/null)
  mapfile -t COMPREPLY < <(compgen -W "$names" -- "$1")
}

@FN@() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= path= npos=0 dashdash= opt= prefix= i w
  COMPREPLY=()
  # The command path (the command words so far) and how many positional
  # arguments follow it; options and their values are skipped.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ -z $dashdash && $w == -* ]]; then
      if [[ $w == -- ]]; then
        dashdash=1
      elif [[ ${COMP_WORDS[i + 1]} == = ]]; then
        i=$((i + 2)) # --option=value, which bash splits at the =
      elif [[ $w != *=* ]] && @FN@_takes_value "$path" "$w"; then
        i=$((i + 1))
      fi
    elif [[ -z $dashdash ]] && ((npos == 0)) && @FN@_is_command "$path" "$w"; then
      path=${path:+$path }$w
    else
      npos=$((npos + 1))
    fi
  done
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # An option's value: --option VALUE, --option=VALUE.
  if [[ -z $dashdash ]]; then
    if [[ $cur == = && $prev == -* ]]; then
      opt=$prev cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD - 2]} == -* ]]; then
      opt=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then
      opt=${cur%%=*} prefix=${cur%%=*}= cur=${cur#*=}
    elif [[ $prev == -* && $prev != *=* ]] && @FN@_takes_value "$path" "$prev"; then
      opt=$prev
    fi
  fi
  if [[ -n $opt ]]; then
    @FN@_value "$path" "$opt" "$cur"
    [[ -n $prefix ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
    return 0
  fi
  if [[ -z $dashdash && $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(@FN@_words "$path" options)" -- "$cur")
    return 0
  fi
  if [[ -z $dashdash ]] && ((npos == 0)); then
    w=$(@FN@_words "$path" commands)
    if [[ -n $w ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$w" -- "$cur")
      return 0
    fi
  fi
  @FN@_positional "$path" "$npos" "$cur" && return 0
  # No argument is due here: the options.
  mapfile -t COMPREPLY < <(compgen -W "$(@FN@_words "$path" options)" -- "$cur")
}

complete -F @FN@ @PROG@
)sh";

std::string BashValue(const CompletionArg& a, const std::string& fn) {
  switch (a.kind) {
    case ValueKind::kChoices:
      return fn + "_choices \"$3\" " + Join(a.choices);
    case ValueKind::kJob:
      return fn + "_jobs \"$3\"";
    case ValueKind::kFile:
      return fn + "_files \"$3\"";
    case ValueKind::kNone:
      break;
  }
  return ":";
}

// A shell function that is one `case` over "$1|$2" (or $1 alone); keys
// with the same body share one arm, in the order they first came.
class CaseFunction {
 public:
  CaseFunction(std::string comment, std::string name, std::string subject, std::string after)
      : comment_(std::move(comment)),
        name_(std::move(name)),
        subject_(std::move(subject)),
        after_(std::move(after)) {}
  void Arm(const std::vector<std::string>& keys, const std::string& body) {
    if (keys.empty()) return;
    auto same = std::find_if(arms_.begin(), arms_.end(),
                             [&](const auto& arm) { return arm.second == body; });
    if (same == arms_.end()) same = arms_.insert(arms_.end(), {{}, body});
    same->first.insert(same->first.end(), keys.begin(), keys.end());
  }
  std::string Text() const {
    std::string out = "\n" + comment_ + name_ + "() {\n  case " + subject_ + " in\n";
    for (const auto& [keys, body] : arms_) {
      std::string line = "    ";
      for (size_t i = 0; i < keys.size(); ++i) {
        std::string key = ShQuote(keys[i]) + (i + 1 < keys.size() ? " |" : ")");
        if (line.size() + key.size() > 96) {
          out += line + " \\\n";
          line = "    ";
        }
        line += (line.size() > 4 ? " " : "") + key;
      }
      out += line + body + " ;;\n";
    }
    return out + "  esac\n" + after_ + "}\n";
  }

 private:
  std::string comment_, name_, subject_, after_;
  std::vector<std::pair<std::vector<std::string>, std::string>> arms_;
};

std::string Bash(const CompletionCommand& root) {
  const std::string fn = FunctionPrefix(root.name);
  const std::vector<Node> nodes = Nodes(root);
  CaseFunction takes_value(
      "# Whether option $2 takes a value (the next word) at command path $1.\n",
      fn + "_takes_value", "\"$1|$2\"", "  return 1\n");
  CaseFunction is_command("# Whether $2 is a command at command path $1.\n", fn + "_is_command",
                          "\"$1|$2\"", "  return 1\n");
  CaseFunction words(
      "# The commands ($2 = commands) or the options ($2 = options) offered at\n"
      "# command path $1.\n",
      fn + "_words", "\"$1|$2\"", "");
  CaseFunction value("# Completes the value of option $2 at command path $1, from $3.\n",
                     fn + "_value", "\"$1|$2\"", "");
  CaseFunction positional(
      "# Completes positional argument $2 (from 0) at command path $1, from $3;\n"
      "# false when the command takes no such argument.\n",
      fn + "_positional", "$1", "  return 1\n");

  std::vector<std::string> valued, commands;
  for (const Node& n : nodes) {
    std::vector<std::string> offered_commands, offered_options;
    for (const auto& sub : n.command->commands) {
      commands.push_back(n.path + "|" + sub.name);
      if (!sub.hidden) offered_commands.push_back(sub.name);
    }
    for (const CompletionArg* o : n.options) {
      if (!o->hidden && Own(n, o)) offered_options.push_back(LongName(*o));
      if (!o->takes_value) continue;
      std::vector<std::string> keys;
      for (const auto& name : o->names) keys.push_back(n.path + "|" + name);
      valued.insert(valued.end(), keys.begin(), keys.end());
      if (o->kind != ValueKind::kNone) value.Arm(keys, " " + BashValue(*o, fn));
    }
    if (!offered_commands.empty())
      words.Arm({n.path + "|commands"}, " echo " + Join(offered_commands));
    if (!offered_options.empty())
      words.Arm({n.path + "|options"}, " echo " + Join(offered_options));
    std::string body;
    for (const Slot& slot : Slots(*n.command)) {
      std::string cond = "(($2 >= " + std::to_string(slot.first);
      if (slot.last != 0) cond += " && $2 < " + std::to_string(slot.last);
      body += "\n      if " + cond + ")); then\n        " + BashValue(*slot.arg, fn) +
              "\n        return 0\n      fi";
    }
    if (!body.empty()) positional.Arm({n.path}, body + "\n     ");
  }
  takes_value.Arm(valued, " return 0");
  is_command.Arm(commands, " return 0");
  return Fill(kBashScript, {{"@TABLES@", takes_value.Text() + is_command.Text() + words.Text() +
                                             value.Text() + positional.Text()},
                            {"@FN@", fn},
                            {"@PROG@", root.name},
                            {"@CONFIG@", kJobFileOption},
                            {"@JOBS@", kJobNamesCommand}});
}

// ---- zsh -----------------------------------------------------------------

constexpr const char* kZshScript = R"sh(#compdef @PROG@
# zsh completion for @PROG@, made by `@PROG@ completion zsh` from the
# program's own command table: do not edit it, make it anew.
# Installed as share/zsh/vendor-completions/_@PROG@; or save it as _@PROG@ in
# a directory of $fpath, or put this line in ~/.zshrc after compinit:
#   source <(@PROG@ completion zsh)

# The job names of the job file: the program on the line is asked, with the
# line's @CONFIG@ options; nothing when it cannot tell.
@FN@_jobs() {
  local -a line names args
  local bin w i
  line=("${(@)@FN@_line}")
  (($#line)) || line=("${(@)words}")
  for ((i = 2; i <= $#line; i++)); do
    w=${(Q)line[i]}
    case $w in
      @CONFIG@)
        w=${(Q)line[i + 1]}
        ((i++))
        ;;
      @CONFIG@=*) w=${w#*=} ;;
      *) continue ;;
    esac
    [[ $w == '~/'* ]] && w=$HOME/${w#'~/'}
    [[ -n $w ]] && args+=(@CONFIG@ "$w")
  done
  bin=${(Q)line[1]}
  [[ $bin == '~/'* ]] && bin=$HOME/${bin#'~/'}
  (($+commands[$bin])) || [[ -x $bin ]] || bin=@PROG@
  names=(${(f)"$("$bin" "${(@)args}" @JOBS@ 2>/dev/null </dev/null)"})
  _wanted jobs expl job compadd -a names
}
@FUNCTIONS@
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
  @FN@ "$@"
else
  compdef @FN@ @PROG@
fi
)sh";

// Text for inside an _arguments description: [ ] and \ escaped.
std::string ZshBracketed(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The message of a value: "trigger", "job", "addr-port".
std::string ZshMessage(const CompletionArg& a) {
  std::string m = a.names.empty() ? "value" : LongName(a);
  m.erase(0, m.find_first_not_of('-'));
  for (char& c : m) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  return m;
}

std::string ZshAction(const CompletionArg& a, const std::string& fn) {
  switch (a.kind) {
    case ValueKind::kChoices:
      return "(" + Join(a.choices) + ")";
    case ValueKind::kJob:
      return fn + "_jobs";
    case ValueKind::kFile:
      return "_files";
    case ValueKind::kNone:
      break;
  }
  // Says what is due and offers nothing. (An empty action would also keep
  // _arguments from completing the options instead.)
  return "_message -e value " + ZshMessage(a);
}

// An option as _arguments takes it: '(-q --quiet)'{-q,--quiet}'[Log...]'.
// One not `offered` (hidden, or the parent's) is still known, so that
// _arguments skips it and its value.
std::string ZshOptionSpec(const CompletionArg& o, const std::string& fn, bool offered) {
  std::vector<std::string> names;
  for (const auto& n : o.names) {
    const bool is_long = n.rfind("--", 0) == 0;
    names.push_back(n + (o.takes_value ? (is_long ? "=" : "+") : ""));
  }
  std::string value;
  if (o.takes_value) value = ":" + ZshMessage(o) + ":" + ZshAction(o, fn);
  const std::string desc = "[" + ZshBracketed(o.description) + "]" + value;
  const std::string known = offered ? "" : "!";
  if (names.size() == 1) return ShQuote(known + (o.repeatable ? "*" : "") + names[0] + desc);
  std::string plain;
  for (const auto& n : o.names) plain += (plain.empty() ? "" : " ") + n;
  const std::string lead = known + (o.repeatable ? "*" : "(" + plain + ")");
  return ShQuote(lead) + "{" + Join(names, ",") + "}" + ShQuote(desc);
}

std::string ZshFunctionName(const std::string& fn, const std::string& path) {
  if (path.empty()) return fn;
  std::string name = fn + "_cmd_" + path;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

std::string ZshFunction(const Node& n, const std::string& fn, const std::string& program) {
  std::vector<std::string> specs;
  for (const CompletionArg* o : n.options)
    specs.push_back(ZshOptionSpec(*o, fn, !o->hidden && Own(n, o)));
  for (const Slot& slot : Slots(*n.command)) {
    const std::string rest = ":" + ZshMessage(*slot.arg) + ":" + ZshAction(*slot.arg, fn);
    if (slot.last == 0) {
      specs.push_back(ShQuote("*" + rest));
    } else {
      for (int i = slot.first; i < slot.last; ++i)
        specs.push_back(ShQuote(std::to_string(i + 1) + rest));
    }
  }
  const std::string name = ZshFunctionName(fn, n.path);
  std::string out = "\n" + name + "() {\n";
  const auto& subs = n.command->commands;
  if (subs.empty()) {
    out += "  _arguments -s -S";
    for (const auto& s : specs) out += " \\\n    " + s;
    return out + "\n}\n";
  }
  out += "  local curcontext=$curcontext state state_descr line ret=1\n  local -A opt_args\n";
  if (n.path.empty()) out += "  local -a " + fn + "_line\n  " + fn + "_line=(\"${(@)words}\")\n";
  // -A: the options after the command are its own (and what it inherits).
  out += "  _arguments -C -s -S -A '-*'";
  for (const auto& s : specs) out += " \\\n    " + s;
  out += " \\\n    ': :->command' \\\n    '*:: :->args' && ret=0\n";
  out += "  case $state in\n    command)\n      local -a commands\n      commands=(\n";
  for (const auto& sub : subs)
    if (!sub.hidden) out += "        " + ShQuote(sub.name + ":" + sub.description) + "\n";
  out += "      )\n      _describe -t commands command commands && ret=0\n      ;;\n";
  out += "    args)\n      curcontext=${curcontext%:*:*}:" + program +
         "-$words[1]:\n      case $words[1] in\n";
  for (const auto& sub : subs) {
    const std::string path = n.path.empty() ? sub.name : n.path + " " + sub.name;
    out += "        " + sub.name + ") " + ZshFunctionName(fn, path) + " && ret=0 ;;\n";
  }
  out += "      esac\n      ;;\n  esac\n  return ret\n}\n";
  return out;
}

std::string Zsh(const CompletionCommand& root) {
  const std::string fn = FunctionPrefix(root.name);
  std::string functions;
  for (const Node& n : Nodes(root)) functions += ZshFunction(n, fn, root.name);
  return Fill(kZshScript, {{"@FUNCTIONS@", functions},
                           {"@FN@", fn},
                           {"@PROG@", root.name},
                           {"@CONFIG@", kJobFileOption},
                           {"@JOBS@", kJobNamesCommand}});
}

// ---- fish ----------------------------------------------------------------

constexpr const char* kFishScript =
    R"sh(# fish completion for @PROG@, made by `@PROG@ completion fish` from the
# program's own command table: do not edit it, make it anew.
# Installed as share/fish/vendor_completions.d/@PROG@.fish; or save it as
# ~/.config/fish/completions/@PROG@.fish.
@TABLES@
# The command path (the command words so far) and how many positional
# arguments follow it, as "N|PATH"; options and their values are skipped.
function @FN@_state
    set -l words (commandline -opc)
    set -e words[1]
    set -l path
    set -l npos 0
    set -l skip 0
    set -l dashdash 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if test $dashdash = 0
            switch $w
                case --
                    set dashdash 1
                    continue
                case '--*=*'
                    continue
                case '-*'
                    @FN@_takes_value "$path" $w; and set skip 1
                    continue
            end
            if test $npos = 0; and @FN@_is_command "$path" $w
                set -a path $w
                continue
            end
        end
        set npos (math $npos + 1)
    end
    echo "$npos|$path"
end

# True at command path $argv[1]; with $argv[2] and $argv[3], only while the
# positional arguments so far number at least $argv[2] and less than
# $argv[3] (-1: no limit).
function @FN@_at
    set -l state (string split -m1 '|' -- (@FN@_state))
    test "$state[2]" = "$argv[1]"; or return 1
    set -q argv[2]; or return 0
    test $state[1] -ge $argv[2]; or return 1
    test $argv[3] -lt 0; or test $state[1] -lt $argv[3]
end

# The job names of the job file: the program on the line is asked, with the
# line's @CONFIG@ options; nothing when it cannot tell.
function @FN@_jobs
    set -l words (commandline -opc)
    set -l args
    set -l i 2
    while test $i -le (count $words)
        set -l w $words[$i]
        set i (math $i + 1)
        switch $w
            case @CONFIG@
                set w $words[$i]
                set i (math $i + 1)
            case '@CONFIG@=*'
                set w (string replace -r '^[^=]*=' '' -- $w)
            case '*'
                continue
        end
        set w (string replace -r '^~/' "$HOME/" -- $w)
        test -n "$w"; and set -a args @CONFIG@ $w
    end
    set -l bin (string replace -r '^~/' "$HOME/" -- $words[1])
    test -x "$bin"; or command -q -- $bin; or set bin @PROG@
    $bin $args @JOBS@ 2>/dev/null </dev/null
end

complete -c @PROG@ -f
@COMPLETES@)sh";

std::string FishCase(const std::vector<std::string>& keys) {
  std::string out = "        case";
  for (const auto& k : keys) out += " " + FishQuote(k);
  return out + "\n            return 0\n";
}

std::string FishValue(const CompletionArg& a, const std::string& fn) {
  switch (a.kind) {
    case ValueKind::kChoices:
      return " -x -a " + FishQuote(Join(a.choices));
    case ValueKind::kJob:
      return " -x -a " + FishQuote("(" + fn + "_jobs)");
    case ValueKind::kFile:
      return " -r -F";
    case ValueKind::kNone:
      break;
  }
  return " -x";
}

std::string Fish(const CompletionCommand& root) {
  const std::string fn = FunctionPrefix(root.name);
  const std::string c = "complete -c " + root.name;
  std::vector<std::string> valued, commands;
  std::string completes;
  for (const Node& n : Nodes(root)) {
    const std::string at = FishQuote(fn + "_at \"" + n.path + "\"");
    for (const auto& sub : n.command->commands) {
      commands.push_back(n.path + "|" + sub.name);
      if (sub.hidden) continue;
      completes += c + " -n " + FishQuote(fn + "_at \"" + n.path + "\" 0 1") + " -a " + sub.name +
                   " -d " + FishQuote(sub.description) + "\n";
    }
    for (const CompletionArg* o : n.options) {
      if (o->takes_value)
        for (const auto& name : o->names) valued.push_back(n.path + "|" + name);
      if (o->hidden || !Own(n, o)) continue;
      completes += c + " -n " + at;
      for (const auto& name : o->names) {
        if (name.rfind("--", 0) == 0) {
          completes += " -l " + name.substr(2);
        } else {
          completes += (name.size() == 2 ? " -s " : " -o ") + name.substr(1);
        }
      }
      if (o->takes_value) completes += FishValue(*o, fn);
      completes += " -d " + FishQuote(o->description) + "\n";
    }
    for (const Slot& slot : Slots(*n.command)) {
      const CompletionArg& a = *slot.arg;
      if (a.kind == ValueKind::kNone) continue;
      completes += c + " -n " +
                   FishQuote(fn + "_at \"" + n.path + "\" " + std::to_string(slot.first) + " " +
                             std::to_string(slot.last == 0 ? -1 : slot.last));
      if (a.kind == ValueKind::kFile) {
        completes += " -F";
      } else {
        completes +=
            " -a " + FishQuote(a.kind == ValueKind::kJob ? "(" + fn + "_jobs)" : Join(a.choices));
      }
      completes += " -d " + FishQuote(ZshMessage(a)) + "\n";
    }
  }
  std::string tables =
      "\n# Whether option $argv[2] takes a value (the next word) at command path\n"
      "# $argv[1].\nfunction " +
      fn + "_takes_value\n    switch \"$argv[1]|$argv[2]\"\n";
  if (!valued.empty()) tables += FishCase(valued);
  tables += "    end\n    return 1\nend\n";
  tables += "\n# Whether $argv[2] is a command at command path $argv[1].\nfunction " + fn +
            "_is_command\n    switch \"$argv[1]|$argv[2]\"\n";
  if (!commands.empty()) tables += FishCase(commands);
  tables += "    end\n    return 1\nend\n";
  return Fill(kFishScript, {{"@TABLES@", tables},
                            {"@COMPLETES@", completes},
                            {"@FN@", fn},
                            {"@PROG@", root.name},
                            {"@CONFIG@", kJobFileOption},
                            {"@JOBS@", kJobNamesCommand}});
}

}  // namespace

std::optional<Shell> ShellNamed(std::string_view name) {
  if (name == "bash") return Shell::kBash;
  if (name == "zsh") return Shell::kZsh;
  if (name == "fish") return Shell::kFish;
  return std::nullopt;
}

CompletionCommand DescribeForCompletion(const CLI::App& app) { return Describe(app); }

std::string CompletionScript(const CLI::App& app, Shell shell) {
  const CompletionCommand root = Describe(app);
  switch (shell) {
    case Shell::kBash:
      return Bash(root);
    case Shell::kZsh:
      return Zsh(root);
    case Shell::kFish:
      return Fish(root);
  }
  return "";
}

int PrintJobNames(const GlobalOptions& g, Services& sv) {
  // Whatever goes wrong, the terminal of a person pressing TAB hears
  // nothing of it.
  std::ostream quiet(nullptr);
  Services s{sv.clock, sv.env, sv.out, quiet, sv.fs};
  LoadFor want;
  want.secrets = false;
  want.scoped = true;
  const std::unique_ptr<Loaded> loaded = Load(g, s, want);
  const LoadResult& r = loaded->result;
  std::set<std::string> names;
  if (r.config)
    for (const auto& [name, job] : r.config->jobs) names.insert(name);
  for (const auto& [name, errors] : r.broken) names.insert(name);
  for (const auto& name : names)
    if (ValidJobName(name)) sv.out << name << '\n';
  return r.config || !r.broken.empty() ? 0 : 1;
}

}  // namespace surety
