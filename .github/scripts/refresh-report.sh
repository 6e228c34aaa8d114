#!/usr/bin/env bash
# The refresh job's report: what the build said and, when it changed the dataset or the guard
# refused a change, that diff as Markdown from the tool's own `diff --format markdown`. Written to
# DIR/report.md (the body of the refusal issue) and appended to the job summary. Page text in it
# (the log quotes cells, the diff lists messages) has its @mentions and issue references made
# inert, as the change log's are, so an issue body never notifies anyone or links an issue.
#
#   refresh-report.sh STATUS DIR PYTHON
#     STATUS  the exit code of `build --remote --exit-code`
#     DIR     holds build.log, and for exit 4 refused/ (the refused build, made with --allow-shrink)
#     PYTHON  the interpreter the tool is installed for
set -euo pipefail

status=${1:?usage: refresh-report.sh STATUS DIR PYTHON}
dir=${2:?usage: refresh-report.sh STATUS DIR PYTHON}
python=${3:?usage: refresh-report.sh STATUS DIR PYTHON}
log=$dir/build.log

# A tilde fence, since the log quotes pages and may hold backticks.
fenced() {
  echo '~~~text'
  cat
  echo '~~~'
}

# The tool's own neutralise_references, on the whole report (bytes that are not UTF-8 pass).
inert() {
  "$python" -c 'import sys
from scraper.publish.changelog import neutralise_references
text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
sys.stdout.buffer.write(neutralise_references(text).encode("utf-8", "surrogateescape"))'
}

# `diff` exits 1 when the files differ, which is the expected case here.
markdown_diff() {
  local code=0
  "$python" -m scraper diff --format markdown "$1" "$2" || code=$?
  [ "$code" -le 1 ]
}

# The error the build ended with: from its first "error:" line to the end of the log, else the
# log's last lines.
message() {
  if grep -q '^error:' "$log"; then
    sed -n '/^error:/,$p' "$log" | fenced
  else
    tail -n 20 "$log" | fenced
  fi
}

{
  case "$status" in
    0)
      echo "## Refresh: no change"
      echo
      grep -E '^(refresh:|inputs unchanged)' "$log" | fenced || true
      ;;
    1)
      echo "## Refresh: the dataset changed"
      echo
      if git show HEAD:output/errorcodes.json >"$dir/previous.json" 2>/dev/null; then
        markdown_diff "$dir/previous.json" output/errorcodes.json
      else
        echo "The first build: there is no previous dataset to compare with."
      fi
      ;;
    3)
      echo "## Refresh failed: a source could not be read (exit 3)"
      echo
      echo "Nothing was built and nothing was published."
      echo
      message
      echo
      echo "### What to do"
      echo
      echo "A source still failed after its retries: the site was down, the page moved, or it no"
      echo "longer has an error-code table. A passing glitch needs nothing: the next scheduled run"
      echo "tries again (or run the workflow by hand, \`gh workflow run refresh.yml\`). A moved page"
      echo "needs its url fixed in the sources; the pages that did arrive are in this run's"
      echo "\`refresh-log\` artifact."
      ;;
    4)
      echo "## Refresh refused by the guard (exit 4)"
      echo
      echo "A source lost more records than the guard allows, so nothing was published."
      echo
      message
      echo
      echo "### What was refused"
      echo
      if [ -f "$dir/refused/errorcodes.json" ]; then
        markdown_diff output/errorcodes.json "$dir/refused/errorcodes.json"
      else
        echo "The refused build could not be made again for its diff; see \`refused.log\` in this"
        echo "run's \`refresh-log\` artifact."
      fi
      echo
      echo "### How to accept it"
      echo
      echo "If the page really lost these codes, run the workflow by hand with **allow_shrink**"
      echo "ticked (Actions → Refresh dataset → Run workflow), or"
      echo "\`gh workflow run refresh.yml -f allow_shrink=true\`: that run passes \`--allow-shrink\`"
      echo "to the build and publishes the change. If the page layout changed instead, fix the"
      echo "parser: the fetched pages and the refused build are in this run's \`refresh-log\`"
      echo "artifact (\`pages/\`, \`refused/\`)."
      ;;
    *)
      echo "## Refresh failed (exit $status)"
      echo
      message
      ;;
  esac
  echo
  echo "<details><summary>Build log</summary>"
  echo
  fenced <"$log"
  echo
  echo "</details>"
} | inert >"$dir/report.md"

cat "$dir/report.md" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
