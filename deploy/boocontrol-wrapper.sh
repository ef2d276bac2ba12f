#!/bin/sh
# boocontrol-wrapper.sh — the only thing BooControl may run on a llama-swap host in "wrapper" mode.
#
# Install it as an authorized_keys forced command (see docs/ssh-hosts.md):
#   command="/opt/boocontrol/boocontrol-wrapper.sh",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ssh-ed25519 AAAA… boocontrol
# sshd then ignores the command the client asked for and runs this script with it in
# SSH_ORIGINAL_COMMAND. For local testing the verb may also be given as arguments.
#
# Verbs (one per connection):
#   read                 print the llama-swap config file, byte for byte
#   backup               copy it to <config>.bak-YYYYmmddTHHMMSSZ[-n]; print the path chosen
#   write                replace the config with stdin, atomically (temp file in the same dir + mv)
#   restart              run the configured restart command
#   backups              list backup files (full paths, one per line)
#   read-backup <name>   print one backup (its file name, as listed by `backups`)
#   prune <keep>         delete all but the newest <keep> backups (1..1000, newest by the stamp
#                        in the name); print the removed paths, one per line
#   pull <repo> [file]   huggingface-cli download <repo> [file] --local-dir <models dir>/<repo>;
#                        prints a line "boocontrol-pull-pid <id>" as it starts (the id for
#                        `cancel`; it may come after the downloader's first lines)
#   cancel <id>          stop a running pull (its whole process group)
#   version              print the wrapper version
#
# Configuration: environment variables, overridden by a conf file of KEY=value lines next to this
# script (boocontrol-wrapper.conf) or at $BOOCONTROL_WRAPPER_CONF:
#   BOOCONTROL_CONFIG        llama-swap config path (required)
#   BOOCONTROL_RESTART_CMD   restart command line, e.g. "sudo -n systemctl restart llama-swap"
#   BOOCONTROL_MODELS_DIR    where pulls go (required for pull)
#   BOOCONTROL_HF_CLI        huggingface-cli path (default: huggingface-cli from PATH)
#   BOOCONTROL_STATE_DIR     pid files of running pulls (default: $HOME/.boocontrol)
#
# Every argument is validated here again (defence in depth): BooControl validates first, but this
# script is the last line before the host, so it trusts nothing it receives.
#
# Exit codes: 0 ok, 64 usage, 65 invalid argument, 66 missing file, 73 cannot create,
# 74 I/O error, 78 not configured; restart and pull pass the tool's own status through.

set -u

WRAPPER_VERSION=2
NAMECHARS='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-'

die() {
  code=$1
  shift
  printf 'boocontrol-wrapper: %s\n' "$*" >&2
  exit "$code"
}

usage() {
  die 64 "usage: read | backup | write | restart | backups | read-backup <name> | prune <keep> | pull <repo> [file] | cancel <id> | version"
}

# ---- configuration ---------------------------------------------------------------------------

wrapper_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || die 78 "cannot locate the wrapper directory"
conf=${BOOCONTROL_WRAPPER_CONF:-$wrapper_dir/boocontrol-wrapper.conf}
if [ -f "$conf" ]; then
  # shellcheck source=/dev/null
  . "$conf" || die 78 "cannot read $conf"
fi
CONFIG=${BOOCONTROL_CONFIG:-}
RESTART_CMD=${BOOCONTROL_RESTART_CMD:-}
MODELS_DIR=${BOOCONTROL_MODELS_DIR:-}
HF_CLI=${BOOCONTROL_HF_CLI:-huggingface-cli}
STATE_DIR=${BOOCONTROL_STATE_DIR:-${HOME:-/tmp}/.boocontrol}

need_config() {
  [ -n "$CONFIG" ] || die 78 "BOOCONTROL_CONFIG is not set (config path)"
  case $CONFIG in
    /*) ;;
    *) die 78 "BOOCONTROL_CONFIG must be an absolute path" ;;
  esac
  config_dir=$(dirname -- "$CONFIG")
  config_base=$(basename -- "$CONFIG")
}

# ---- validation ------------------------------------------------------------------------------

# One path segment: [A-Za-z0-9._-]+, not starting with '-', no '..' anywhere.
valid_name() {
  case $1 in
    '' | -* | *..*) return 1 ;;
    *[!"$NAMECHARS"]*) return 1 ;;
  esac
  return 0
}

# owner/name, both valid segments, at most 200 characters.
valid_repo() {
  [ "${#1}" -le 200 ] || return 1
  case $1 in
    */*/* | /* | */) return 1 ;;
    */*) ;;
    *) return 1 ;;
  esac
  valid_name "${1%%/*}" && valid_name "${1#*/}"
}

# A relative file path of valid segments, at most 255 characters.
valid_file() {
  [ "${#1}" -le 255 ] || return 1
  case $1 in
    '' | /* | */ | *//*) return 1 ;;
  esac
  rest=$1
  while :; do
    seg=${rest%%/*}
    valid_name "$seg" || return 1
    [ "$seg" = "$rest" ] && return 0
    rest=${rest#*/}
  done
}

# A backup name: <config base>.bak-YYYYmmddTHHMMSSZ[-n], n of 1 to 3 digits (what BooControl
# accepts, so that every path `prune` reports passes BooControl's check).
valid_backup() {
  suffix=${1#"$config_base".bak-}
  [ "$suffix" != "$1" ] || return 1
  case $suffix in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z*) ;;
    *) return 1 ;;
  esac
  case ${suffix#*Z} in
    '' | -[0-9] | -[0-9][0-9] | -[0-9][0-9][0-9]) return 0 ;;
  esac
  return 1
}

# The chronological sort key of a valid suffix: the 14 stamp digits, then 0000 without a counter
# or 1 and the counter in 3 digits, so a plain sort puts -10 after -2 (BooControl uses the same).
backup_key() {
  stamp=${1%%Z*}
  n=${1#*Z}
  n=${n#-}
  case ${#n} in
    0) n=0000 ;;
    1) n=100$n ;;
    2) n=10$n ;;
    *) n=1$n ;;
  esac
  printf '%s%s%s\n' "${stamp%T*}" "${stamp#*T}" "$n"
}

# How many backups prune keeps: 1..1000 in plain decimal. A leading 0 is refused because shell
# arithmetic would read it as octal.
valid_keep() {
  case $1 in
    '' | 0* | *[!0-9]*) return 1 ;;
  esac
  [ "${#1}" -le 4 ] && [ "$1" -le 1000 ]
}

# ---- the command -----------------------------------------------------------------------------

if [ "$#" -eq 0 ]; then
  [ -n "${SSH_ORIGINAL_COMMAND+set}" ] || usage
  cmdline=$SSH_ORIGINAL_COMMAND
  # Only plain words separated by spaces: no quotes, no $, no newlines, nothing a shell would see.
  case $cmdline in
    *[!"$NAMECHARS"/' ']*) die 65 "refusing a command with characters outside [A-Za-z0-9._/-] and spaces" ;;
  esac
  set -f
  IFS=' '
  # shellcheck disable=SC2086 # word splitting on spaces is the point; globbing is off
  set -- $cmdline
  IFS='
	 '
  set +f
fi
[ "$#" -ge 1 ] || usage
verb=$1
shift

case $verb in
  version)
    [ "$#" -eq 0 ] || usage
    printf 'boocontrol-wrapper %s\n' "$WRAPPER_VERSION"
    ;;

  read)
    [ "$#" -eq 0 ] || usage
    need_config
    [ -f "$CONFIG" ] || die 66 "config file $CONFIG does not exist"
    exec cat -- "$CONFIG"
    ;;

  backup)
    [ "$#" -eq 0 ] || usage
    need_config
    [ -f "$CONFIG" ] || die 66 "config file $CONFIG does not exist"
    stamp=$(date -u +%Y%m%dT%H%M%SZ) || die 74 "date failed"
    dest=$CONFIG.bak-$stamp
    n=0
    # Reserve the name atomically (noclobber = O_EXCL) so two backups never share a file.
    while ! (set -C && : >"$dest") 2>/dev/null; do
      n=$((n + 1))
      [ "$n" -le 100 ] || die 73 "cannot create a backup file next to $CONFIG"
      dest=$CONFIG.bak-$stamp-$n
    done
    cp -p -- "$CONFIG" "$dest" || {
      rm -f -- "$dest"
      die 74 "cannot copy $CONFIG to $dest"
    }
    printf '%s\n' "$dest"
    ;;

  write)
    [ "$#" -eq 0 ] || usage
    need_config
    [ -d "$config_dir" ] || die 66 "directory $config_dir does not exist"
    [ ! -L "$CONFIG" ] || die 65 "$CONFIG is a symlink; set BOOCONTROL_CONFIG to the real file"
    tmp=$CONFIG.boocontrol-tmp.$$
    trap 'rm -f -- "$tmp"' EXIT
    trap 'exit 130' HUP INT TERM
    (set -C && : >"$tmp") 2>/dev/null || die 73 "cannot create $tmp"
    # Copy first so the new file keeps the old one's mode and owner, then overwrite its content.
    if [ -f "$CONFIG" ]; then cp -p -- "$CONFIG" "$tmp" || die 74 "cannot prepare $tmp"; fi
    cat >"$tmp" || die 74 "cannot write $tmp"
    [ -s "$tmp" ] || die 65 "refusing to write an empty config"
    mv -f -- "$tmp" "$CONFIG" || die 74 "cannot replace $CONFIG"
    trap - EXIT
    ;;

  restart)
    [ "$#" -eq 0 ] || usage
    [ -n "$RESTART_CMD" ] || die 78 "BOOCONTROL_RESTART_CMD is not set"
    sh -c "$RESTART_CMD" </dev/null
    rc=$?
    [ "$rc" -eq 0 ] || die "$rc" "restart command failed with exit status $rc"
    ;;

  backups)
    [ "$#" -eq 0 ] || usage
    need_config
    for f in "$config_dir/$config_base".bak-*; do
      [ -f "$f" ] || continue
      if valid_backup "${f##*/}"; then printf '%s\n' "$f"; fi
    done
    ;;

  read-backup)
    [ "$#" -eq 1 ] || usage
    need_config
    valid_backup "$1" || die 65 "not a backup name of $config_base"
    [ -f "$config_dir/$1" ] || die 66 "backup $1 does not exist"
    exec cat -- "$config_dir/$1"
    ;;

  prune)
    [ "$#" -eq 1 ] || usage
    valid_keep "$1" || die 65 "invalid keep: expected a whole number from 1 to 1000"
    keep=$1
    need_config
    # Only the validated suffixes ([0-9TZ-]) go through sort, never a path, so an odd config path
    # cannot confuse it. Newest first.
    sorted=$(
      for f in "$config_dir/$config_base".bak-*; do
        [ -f "$f" ] || continue
        name=${f##*/}
        valid_backup "$name" || continue
        suffix=${name#"$config_base".bak-}
        printf '%s %s\n' "$(backup_key "$suffix")" "$suffix"
      done | LC_ALL=C sort -r
    ) || die 74 "cannot list the backups of $CONFIG"
    i=0
    while read -r _key suffix; do
      [ -n "$suffix" ] || continue
      i=$((i + 1))
      [ "$i" -gt "$keep" ] || continue
      old=$config_dir/$config_base.bak-$suffix
      rm -f -- "$old" || die 74 "cannot remove $old"
      printf '%s\n' "$old"
    done <<EOF
$sorted
EOF
    ;;

  pull)
    if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then usage; fi
    repo=$1
    file=${2:-}
    valid_repo "$repo" || die 65 "invalid repo: expected owner/name of [A-Za-z0-9._-], no '..'"
    [ -z "$file" ] || valid_file "$file" || die 65 "invalid file name"
    [ -n "$MODELS_DIR" ] || die 78 "BOOCONTROL_MODELS_DIR is not set"
    dest=$MODELS_DIR/$repo
    mkdir -p -- "$dest" || die 73 "cannot create $dest"
    mkdir -p -- "$STATE_DIR" || die 73 "cannot create $STATE_DIR"
    # The download runs in a session (and process group) of its own where setsid exists, so that
    # `cancel` can stop it with everything it started.
    run_new_session=
    if command -v setsid >/dev/null 2>&1; then run_new_session=setsid; fi
    if [ -n "$file" ]; then
      $run_new_session "$HF_CLI" download "$repo" "$file" --local-dir "$dest" </dev/null &
    else
      $run_new_session "$HF_CLI" download "$repo" --local-dir "$dest" </dev/null &
    fi
    pid=$!
    pidfile=$STATE_DIR/pull.$pid
    printf '%s\n' "$repo" >"$pidfile"
    printf 'boocontrol-pull-pid %s\n' "$pid"
    # Watchdog: if the SSH session goes away (our parent sshd exits), stop the download too.
    parent=$PPID
    (
      while kill -0 "$pid" 2>/dev/null; do
        if ! kill -0 "$parent" 2>/dev/null; then
          kill -s TERM -- "-$pid" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null
          exit 0
        fi
        sleep 1
      done
    ) </dev/null >/dev/null 2>&1 &
    watchdog=$!
    wait "$pid"
    rc=$?
    kill "$watchdog" 2>/dev/null
    rm -f -- "$pidfile"
    [ "$rc" -eq 0 ] || die "$rc" "download of $repo failed with exit status $rc"
    ;;

  cancel)
    [ "$#" -eq 1 ] || usage
    case $1 in
      '' | *[!0-9]*) die 65 "invalid pull id" ;;
    esac
    pid=$1
    [ -f "$STATE_DIR/pull.$pid" ] || die 66 "no running pull with id $pid"
    kill -s TERM -- "-$pid" 2>/dev/null || kill -s TERM "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      if [ "$i" -gt 5 ]; then
        kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null
        break
      fi
      sleep 1
    done
    rm -f -- "$STATE_DIR/pull.$pid"
    printf 'cancelled %s\n' "$pid"
    ;;

  *)
    usage
    ;;
esac
