#!/usr/bin/env bash
# Every C source and header in the repository is clang-formatted (.clang-format).
# Prints the files that are not and exits 1; `make format` fixes them.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.c' '*.h')
if [ "${#bad[@]}" -gt 0 ]; then
	printf 'not clang-formatted (run make format): %s\n' "${bad[@]}"
	exit 1
fi
