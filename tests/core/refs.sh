#!/bin/bash
# core.refs: every file that a doc, comment, --help text or script of the repository
# names exists in the repository (paths from the top or from the naming file's folder;
# bare names anywhere; build outputs from the build folder). Runtime paths an operator
# creates (var/, etc/keys/) and system headers are not files of the repository. Prints
# each dangling name; fails if any.
set -u
cd "${EO_SOURCE_DIR:-.}" || exit 2
mapfile -t files < <(git ls-files --cached --others --exclude-standard | grep -Ev '^(data/dong/|tests/fuzz/corpus/)' |
  grep -E '\.(c|h|md|sh|txt|cfg|proto|in|yaml|js|html|service)$|(^|/)Makefile$|^\.ci/run$')
declare -A known
while read -r n; do known[$n]=1; done < <(git ls-files --cached --others --exclude-standard | sed 's|.*/||')
bad=0
top=$(pwd -P)
inside() { case "$(realpath -m "$1")/" in "$top"/*) return 0;; esac; return 1; }
# file:line:token of every path with a folder of the repository
while IFS=: read -r f line tok; do
  ref=${tok#"${tok%%[A-Za-z0-9_.]*}"}
  case "$ref" in etc/keys*|var/*) continue;; esac
  # a name that climbs out of the repository names nothing of it (the clone's place varies)
  inside "$ref" && [ -e "$ref" ] || { inside "$(dirname "$f")/$ref" && [ -e "$(dirname "$f")/$ref" ]; } ||
    { [ -n "${EO_BINARY_DIR:-}" ] && [ -e "$EO_BINARY_DIR/$ref" ]; } ||
    { echo "$f:$line: names $ref, which does not exist"; bad=$((bad + 1)); }
done < <(grep -HnoE '(^|[^A-Za-z0-9_./<${}-])(\.\./)*(src|workers|cli|tests|docs|bench|include|proto|data|etc|deploy|debian|\.ci)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' "${files[@]}")
# bare file names
while IFS=: read -r f line tok; do
  ref=${tok#"${tok%%[A-Za-z]*}"}
  case "$ref" in lmdb.h|czmq.h|zmq.h|jansson.h|microhttpd.h|*.pb-c.h) continue;; esac
  [ -n "${known[$ref]:-}" ] ||
    { echo "$f:$line: names $ref, which is in no folder of the repository"; bad=$((bad + 1)); }
done < <(grep -HnoE '(^|[^A-Za-z0-9_/.<${}-])[A-Za-z][A-Za-z0-9_-]*\.(c|h|md|proto)\b' "${files[@]}")
[ "$bad" = 0 ] && { echo "core.refs: every named file exists"; exit 0; }
echo "core.refs: $bad dangling name(s)"
exit 1
