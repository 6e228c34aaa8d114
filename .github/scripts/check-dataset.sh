#!/usr/bin/env bash
# The publish job's gate: the dataset artifact may hold only the files the dataset is made of,
# as regular files (no links, nothing hidden, no other folders). It runs in the only job that can
# push, so it is plain bash and coreutils: no project or third-party code.
#
#   check-dataset.sh DIR     exit 0 when every entry of DIR is allowed, 1 (listing them) if not
#   check-dataset.sh --list  print the allow-list, one path a line
set -euo pipefail

# The files a build writes to output/, relative to it. README.md's "Scheduled refresh" section
# names the same files; tests/test_workflows.py keeps the two in step.
ALLOWED=(
  errorcodes.json
  errorcodes.csv
  errorcodes.sqlite
  errorcodes.schema.json
  datapackage.json
  manifest.json
  diff.json
  CHANGELOG.md
  index.html
  metadata.json
  app/android/values/strings.xml
  app/android/values-zh-rCN/strings.xml
  app/ios/en.lproj/Localizable.strings
  app/ios/zh-Hans.lproj/Localizable.strings
  app/errorcodes.ts
)
# Without these the artifact is not a build's output at all.
REQUIRED=(errorcodes.json manifest.json)

if [ "${1-}" = --list ]; then
  printf '%s\n' "${ALLOWED[@]}"
  exit 0
fi
dir=${1:?usage: check-dataset.sh DIR | --list}
if [ ! -d "$dir" ] || [ -L "$dir" ]; then
  echo "error: $dir is not a folder" >&2
  exit 1
fi

declare -A files=() folders=()
for path in "${ALLOWED[@]}"; do
  files[$path]=1
  while [[ $path == */* ]]; do
    path=${path%/*}
    folders[$path]=1
  done
done

refused=0
while IFS= read -r -d '' entry; do
  path=${entry#"$dir"/}
  if [ -L "$entry" ]; then
    echo "refused: $path is a symbolic link" >&2
  elif [ -f "$entry" ] && [ -n "${files[$path]+x}" ]; then
    echo "ok: $path"
    continue
  elif [ -d "$entry" ] && [ -n "${folders[$path]+x}" ]; then
    continue
  else
    echo "refused: $path is not one of the dataset's files" >&2
  fi
  refused=1
done < <(find "$dir" -mindepth 1 -print0 | LC_ALL=C sort -z)

for path in "${REQUIRED[@]}"; do
  if [ ! -f "$dir/$path" ] || [ -L "$dir/$path" ]; then
    echo "refused: $path is missing" >&2
    refused=1
  fi
done
if [ "$refused" -ne 0 ]; then
  echo "error: the artifact holds files outside the allow-list in $0; nothing is published" >&2
fi
exit "$refused"
