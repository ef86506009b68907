#!/usr/bin/env bash
# Incremental checkpoints benchmark (issue 14): memhog holding 1 GiB of random memory in a container-shaped tree,
# a full checkpoint, then five times: a tenth of its pages rewritten, a child checkpoint of the previous one (by
# content, on this kernel without soft-dirty) and a full checkpoint of the same memory beside it; then restores of
# the fifth child (a chain of six) from the flat copy it keeps as the newest of its chain, in rotation with restores of the
# last full one; then, the copy removed, read by CRIU through its parent links and written out whole for it first, every
# copy's memory checked.
# Figures (JSON lines): incremental_new_bytes_ratio (target <= 0.15), incremental_dump_vs_full_ratio (<= 1.15),
# incremental_restore_vs_full_ratio (<= 1.10).
# Usage: sudo hack/bench.sh incremental [--sizes 1024] [--repeats N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/bench-agent.sh" --only incremental "$@"
