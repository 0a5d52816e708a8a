#!/usr/bin/env bash
# The shell completions as `cmake --install` puts them: each script parses
# in its shell and completes, as a person pressing TAB gets it, commands,
# option values (--trigger, --log-level, ...), job names from the job file
# (asked of the installed binary) and nothing at all, not even an error,
# when the job file is missing. bash always; zsh and fish where they are
# installed (scripts/setup.sh installs both), else said and skipped.
# Usage: check_completion.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check_completion.sh BUILD_DIR}
work=$(mktemp -d /tmp/surety-completion-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
export PATH="$prefix/bin:$PATH"
# No shell reads or writes the files of whoever runs the test.
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
export XDG_CACHE_HOME=$work/cache
mkdir -p "$HOME"
unset SURETY_CONFIG

# Two jobs; the scripts find the file through the line's --config or
# $SURETY_CONFIG, as every command does.
jobs=$work/jobs.toml
cat >"$jobs" <<EOF
[settings]
state_dir = "$work/state"
[jobs.db]
command = "true"
schedule = "daily"
[jobs.backup-home]
command = "true"
schedule = "daily"
EOF
missing=$work/missing.toml

fail=0
# check SHELL LINE WANT GOT: the words offered for LINE, one a line.
check() {
  if [[ $4 != "$3" ]]; then
    echo "check_completion: $1: '$2' offered [${4//$'\n'/ }], not [${3//$'\n'/ }]" >&2
    fail=1
  fi
}

# ---- bash: the function `complete -p surety` names, called as bash does.
script=$prefix/share/bash-completion/completions/surety
bash -n "$script"
# bash_complete WORD...: the last word is the one being completed.
bash_complete() {
  bash --norc --noprofile -c '
    source "$1" && shift
    spec=$(complete -p surety) || exit 1
    fn=${spec##*-F }
    fn=${fn%% *}
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    for w in "${COMPREPLY[@]}"; do echo "$w"; done' _ "$script" "$@" 2>&1
}
check bash 'surety r' run "$(bash_complete surety r)"
check bash 'surety s' $'status\nserve' "$(bash_complete surety s)"
check bash 'surety run --trigger ' $'manual\nschedule\ncatchup\nboot' \
  "$(bash_complete surety run --trigger '')"
check bash 'surety run --trigger=s' schedule "$(bash_complete surety run --trigger = s)"
check bash 'surety --log-level w' warning "$(bash_complete surety --log-level w)"
check bash 'surety completion ' $'bash\nzsh\nfish' "$(bash_complete surety completion '')"
check bash "surety --config $jobs run " $'backup-home\ndb' \
  "$(bash_complete surety --config "$jobs" run '')"
check bash 'surety status d (SURETY_CONFIG)' db \
  "$(SURETY_CONFIG=$jobs bash_complete surety status d)"
check bash 'surety run --log-level info  (SURETY_CONFIG)' $'backup-home\ndb' \
  "$(SURETY_CONFIG=$jobs bash_complete surety run --log-level info '')"
check bash 'surety serve --tok' --token-file "$(bash_complete surety serve --tok)"
check bash 'surety run  (no job file)' '' "$(SURETY_CONFIG=$missing bash_complete surety run '')"

# ---- zsh: the installed _surety autoloaded by compinit from its
# directory, in an interactive zsh on a pseudo-terminal: TAB is typed and
# the line read back (a unique completion is inserted, with a space).
if command -v zsh >/dev/null; then
  zsh -n "$prefix/share/zsh/vendor-completions/_surety"
  cat >"$work/complete.zsh" <<'EOF'
# complete.zsh FPATH_DIR OUT LINE: types LINE and TAB, writes the line after.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D -d ${2%/*}/zcompdump"
zpty -w z "dump() { print -r -- \"[\$BUFFER]\" >$2; }; zle -N dump; bindkey '^X' dump"
zpty -w -n z "$3"$'\t\x18'
for i in {1..200}; do
  [[ -s $2 ]] && break
  sleep 0.05
done
zpty -d z
EOF
  # zsh_complete LINE: the line after TAB, in brackets.
  zsh_complete() {
    rm -f "$work/zsh.out"
    timeout 30 zsh -f "$work/complete.zsh" "$prefix/share/zsh/vendor-completions" \
      "$work/zsh.out" "$1" >/dev/null 2>&1 || true
    cat "$work/zsh.out" 2>/dev/null || echo "(zsh gave no line)"
  }
  check zsh 'surety ru' '[surety run ]' "$(zsh_complete 'surety ru')"
  check zsh 'surety run --trigger=sche' '[surety run --trigger=schedule ]' \
    "$(zsh_complete 'surety run --trigger=sche')"
  check zsh 'surety --log-level w' '[surety --log-level warning ]' \
    "$(zsh_complete 'surety --log-level w')"
  check zsh "surety --config $jobs run ba" "[surety --config $jobs run backup-home ]" \
    "$(zsh_complete "surety --config $jobs run ba")"
  # The root's options after the command, and an option beside an argument
  # that completes to nothing.
  check zsh "surety --config $jobs run --log-level info ba" \
    "[surety --config $jobs run --log-level info backup-home ]" \
    "$(zsh_complete "surety --config $jobs run --log-level info ba")"
  check zsh 'surety serve --tok' '[surety serve --token-file=]' "$(zsh_complete 'surety serve --tok')"
  check zsh 'surety run ba (no job file)' '[surety run ba]' \
    "$(SURETY_CONFIG=$missing zsh_complete 'surety run ba')"
else
  echo "check_completion: zsh not installed: its script not checked (scripts/setup.sh)"
fi

# ---- fish: `complete -C` answers as the shell's TAB would.
if command -v fish >/dev/null; then
  script=$prefix/share/fish/vendor_completions.d/surety.fish
  fish --no-execute "$script"
  # fish_complete LINE: the words offered (without their descriptions).
  fish_complete() {
    fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$script" "$1" 2>&1 | cut -f1
  }
  check fish 'surety st' status "$(fish_complete 'surety st')"
  check fish 'surety s' $'serve\nstatus' "$(fish_complete 'surety s')"
  check fish 'surety run --trigger ' $'boot\ncatchup\nmanual\nschedule' \
    "$(fish_complete 'surety run --trigger ')"
  check fish 'surety completion ' $'bash\nfish\nzsh' "$(fish_complete 'surety completion ')"
  check fish 'surety comp' '' "$(fish_complete 'surety comp')"
  check fish "surety --config $jobs run " $'backup-home\ndb' \
    "$(fish_complete "surety --config $jobs run ")"
  check fish 'surety run --log-level info  (SURETY_CONFIG)' $'backup-home\ndb' \
    "$(SURETY_CONFIG=$jobs fish_complete 'surety run --log-level info ')"
  check fish 'surety run  (no job file)' '' \
    "$(SURETY_CONFIG=$missing fish_complete 'surety run ')"
else
  echo "check_completion: fish not installed: its script not checked (scripts/setup.sh)"
fi

((fail == 0)) && echo "check_completion: ok"
exit "$fail"
