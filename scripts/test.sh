#!/bin/sh
# The whole test suite, from a fresh machine: install dependencies, build twice (release and
# ASan+UBSan), run every ctest label here, then the release matrix (Debian 11 and 13 in
# debootstrapped roots, arm64 cross-built; scripts/test-matrix.sh, docs/platforms.md).
# Run as root from anywhere in the tree. EWOE_MATRIX=0 leaves the matrix out.
set -eu
cd "$(dirname "$0")/.."

jobs=$(nproc)
./scripts/install-deps.sh

echo "== build (RelWithDebInfo) and full suite"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" "$@")

# The lab boots a user-mode-linux kernel per test; it runs once, above, not under the sanitizers.
echo "== build (ASan+UBSan) and suite without the lab"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEWOE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -j"$jobs" -LE lab "$@")

if [ "${EWOE_MATRIX:-1}" != 0 ]; then
	echo "== release matrix (scripts/test-matrix.sh)"
	./scripts/test-matrix.sh
fi
