#!/usr/bin/env bash
# ext4 write benchmark (issue 5), in one run on the Debian 12 root image of bench/ext4-read.sh
# (~1.5 GiB of files in a 4 GiB image made by mkfs.ext4 -d, cached; build it with that script first):
#   - sealing: imgtool (default sysprep operations on the writable ext4 FileSystem + the volume label,
#     JVM start included) vs virt-sysprep (default operations, libguestfs direct backend, TCG);
#   - zero-free of the 4 GiB filesystem: imgtool zero-free vs zerofree, on copies whose free space
#     first held 1 GiB of random data (a used disk).
# Each side works on its own copy of the image; the copies are checked with e2fsck -fn afterwards.
#
#   bench/ext4-write.sh
#   IMGTOOL_BENCH_CACHE=dir   where ext4-read.sh cached the image (default ~/.cache/imgtool-bench)
#   SKIP_VIRT=1               leave virt-sysprep out
#   JAVA22=/path/to/java      also time zero-free on a Java 22+ JVM (default: a Temurin 25 if installed),
#                             where imgtool finds holes (SEEK_DATA) and punches them instead of writing zeroes
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
cache=${IMGTOOL_BENCH_CACHE:-$HOME/.cache/imgtool-bench}
img=$cache/debian-root-4g.img
if [ ! -f "$img" ]; then
    echo "no $img: run bench/ext4-read.sh first (it builds the Debian root image)" >&2
    exit 2
fi

echo "== building imgtool" >&2
mvn -q -o -B -pl bench -am package -DskipTests >&2 || mvn -q -B -pl bench -am package -DskipTests >&2
jar=$here/cli/target/imgtool.jar
java=${JAVA:-java}
work=$(mktemp -d /tmp/imgtool-bench-write.XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
fsck_ok() { e2fsck -fn "$1" >/dev/null 2>&1 && echo "e2fsck -fn clean" || echo "e2fsck -fn FOUND PROBLEMS"; }

echo "image: $img ($(du -h --apparent-size "$img" | cut -f1)), $(debugfs -R stats "$img" 2>/dev/null \
    | awk -F: '/^Inode count/{ic=$2} /^Free inodes/{fi=$2} END{print ic-fi}') inodes in use"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"

# The machine is shared: imgtool and zerofree run twice on fresh copies and the better run counts;
# virt-sysprep (minutes of TCG) runs once.
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# ---- sealing ----------------------------------------------------------------------------------
t_imgtool=""
for i in 1 2; do
    cp --sparse=always "$img" "$work/imgtool.img"
    cat "$work/imgtool.img" > /dev/null
    t0=$(now)
    "$java" -cp "$jar:$here/bench/target/classes" io.imgtool.bench.Ext4SealBench "$work/imgtool.img" IMAGE
    t1=$(now)
    t_imgtool=$(best "$t_imgtool" "$(secs "$t0" "$t1")")
done
echo "imgtool seal + label (JVM incl.): ${t_imgtool} s, $(fsck_ok "$work/imgtool.img"), label '$(e2label "$work/imgtool.img")'"
rm -f "$work/imgtool.img"

if [ -z "${SKIP_VIRT:-}" ] && command -v virt-sysprep >/dev/null; then
    cp --sparse=always "$img" "$work/virt.img"
    cat "$work/virt.img" > /dev/null
    t0=$(now)
    LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg virt-sysprep --format raw -a "$work/virt.img" >/dev/null
    t1=$(now)
    t_virt=$(secs "$t0" "$t1")
    echo "virt-sysprep (TCG appliance):     ${t_virt} s, $(fsck_ok "$work/virt.img")"
    echo "ratio virt-sysprep / imgtool: $(echo "scale=1; $t_virt / $t_imgtool" | bc)x (target >= 20x)"
    rm -f "$work/virt.img"
fi

# ---- zero-free ------------------------------------------------------------------------------------
cp --sparse=always "$img" "$work/dirty.img"
head -c 1G /dev/urandom > "$work/random.bin"
"$java" -jar "$jar" put "$work/dirty.img" "$work/random.bin" /random.bin >/dev/null
"$java" -jar "$jar" rm "$work/dirty.img" /random.bin >/dev/null
rm -f "$work/random.bin"
java22=${JAVA22:-}
if [ -z "$java22" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then java22=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; fi
IMGTOOL_JAVA=$(command -v "$java") "$here/imgtool" --version >/dev/null 2>&1 || true   # the launcher's CDS archive
[ -n "$java22" ] && IMGTOOL_JAVA=$java22 "$here/imgtool" --version >/dev/null 2>&1 || true
t_zerofree=""
t_zf=""
t_zf22=""
# Fresh copies each round; sync so no tool pays for writing back the copy.
for i in 1 2; do
    cp --sparse=always "$work/dirty.img" "$work/zf.img"
    cp --sparse=always "$work/dirty.img" "$work/imgtool-zf.img"
    cat "$work/zf.img" "$work/imgtool-zf.img" > /dev/null; sync
    t0=$(now); zerofree "$work/zf.img"; t1=$(now)
    t_zerofree=$(best "$t_zerofree" "$(secs "$t0" "$t1")"); sync
    t0=$(now); IMGTOOL_JAVA=$(command -v "$java") "$here/imgtool" zero-free "$work/imgtool-zf.img" >/dev/null; t1=$(now)
    t_zf=$(best "$t_zf" "$(secs "$t0" "$t1")")
    if [ -n "$java22" ]; then
        cp --sparse=always "$work/dirty.img" "$work/imgtool22-zf.img"; cat "$work/imgtool22-zf.img" > /dev/null; sync
        t0=$(now); IMGTOOL_JAVA=$java22 "$here/imgtool" zero-free "$work/imgtool22-zf.img" >/dev/null; t1=$(now)
        t_zf22=$(best "$t_zf22" "$(secs "$t0" "$t1")")
    fi
done
rm -f "$work/dirty.img"
echo "zerofree:                         ${t_zerofree} s, $(fsck_ok "$work/zf.img")"
echo "imgtool zero-free (JVM incl.):    ${t_zf} s, $(fsck_ok "$work/imgtool-zf.img") ($("$java" -version 2>&1 | head -1))"
if [ -n "$java22" ]; then
    echo "imgtool zero-free on Java 22+:    ${t_zf22} s, $(fsck_ok "$work/imgtool22-zf.img"), image $(du -h "$work/imgtool22-zf.img" | cut -f1) on disk vs $(du -h "$work/zf.img" | cut -f1) ($("$java22" -version 2>&1 | head -1))"
    echo "ratio zerofree / imgtool zero-free on Java 22+: $(echo "scale=2; $t_zerofree / $t_zf22" | bc)x (target >= 2x)"
fi
diffs=$(cmp -l "$work/zf.img" "$work/imgtool-zf.img" | awk '$1 > 2048' | wc -l || true)
echo "bytes that differ outside the primary superblock (zerofree updates its lifetime-writes count): $diffs"
echo "ratio zerofree / imgtool zero-free: $(echo "scale=2; $t_zerofree / $t_zf" | bc)x (target >= 2x)"
