#!/usr/bin/env bash
# mkfs benchmark (issue 5): `imgtool mkfs --from DIR` vs `mke2fs -t ext4 -d DIR`, same tree, same size,
# one run side by side. The tree is the Debian 12 root (~1.6 GiB, ~50,000 inodes) that
# bench/ext4-read.sh builds with debootstrap and caches; MKFS_TREE=dir uses another tree.
# Images go to /dev/shm when it has room (so the figures are the tools', not the disk's), else to
# $TMPDIR. Each tool runs RUNS times (default 2), alternating; the best run counts (the machine is
# shared). imgtool runs through its launcher (./imgtool), JVM start included. Both images are checked with e2fsck -fn afterwards.
#
#   bench/mkfs.sh
#   MKFS_SIZE=4G RUNS=3 bench/mkfs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
cache=${IMGTOOL_BENCH_CACHE:-$HOME/.cache/imgtool-bench}
tree=${MKFS_TREE:-$cache/debian-bookworm-root}
size=${MKFS_SIZE:-4G}
runs=${RUNS:-2}
if [ ! -d "$tree" ]; then
    echo "no tree at $tree: run bench/ext4-read.sh once (it debootstraps and caches a Debian root), or set MKFS_TREE" >&2
    exit 2
fi

echo "== building imgtool" >&2
mvn -q -o -B -pl cli -am package -DskipTests >&2 || mvn -q -B -pl cli -am package -DskipTests >&2
# The launcher, as users run it (class-data sharing, C1 for mkfs); one run first records its classes.
imgtool=$here/imgtool
"$imgtool" --version >/dev/null

need=$(( $(du -sk "$tree" | cut -f1) * 2 + 1048576 ))
if [ "$(df -k --output=avail /dev/shm 2>/dev/null | tail -1)" -gt "$need" ] 2>/dev/null; then
    work=$(mktemp -d /dev/shm/imgtool-mkfs-bench.XXXXXX)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/imgtool-mkfs-bench.XXXXXX")
fi
trap 'rm -rf "$work"' EXIT

tar -C "$tree" -cf - . > /dev/null  # warm the page cache with the tree

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

echo "tree: $tree ($(du -sh "$tree" | cut -f1), $(find "$tree" | wc -l) paths), size $size, images in $(dirname "$work")"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"

t_mke2fs=""
t_imgtool=""
for i in $(seq "$runs"); do
    rm -f "$work/mke2fs.img" "$work/imgtool.img"
    t0=$(now); mke2fs -q -F -t ext4 -d "$tree" "$work/mke2fs.img" "$size" >/dev/null 2>&1; t1=$(now)
    t_mke2fs=$(best "$t_mke2fs" "$(secs "$t0" "$t1")")
    t0=$(now); "$imgtool" mkfs --from "$tree" --size "$size" "$work/imgtool.img" >/dev/null; t1=$(now)
    t_imgtool=$(best "$t_imgtool" "$(secs "$t0" "$t1")")
done
echo "mke2fs -t ext4 -d DIR IMG $size:          ${t_mke2fs} s"
echo "imgtool mkfs --from DIR --size $size IMG: ${t_imgtool} s (JVM start included)"
echo "ratio mke2fs/imgtool: $(echo "scale=2; $t_mke2fs / $t_imgtool" | bc)x (above 1: imgtool faster)"
for t in mke2fs imgtool; do
    printf '%-8s e2fsck -fn: ' "$t"
    e2fsck -fn "$work/$t.img" 2>&1 | tail -1
done
