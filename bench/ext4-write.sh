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
#   JAVA17=/path/to/java      also time zero-free on this Java 17 (default: java on PATH if older than 22),
#                             where imgtool has no fallocate and reads the free space
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
# imgtool runs as a user runs it: through the launcher, on the Java it picks (a Java 22+ when one is
# installed: it zeroes through fallocate). A second imgtool run forces Java 17 (JAVA17, default the
# java on PATH when it is older than 22), whose pure-Java path reads the free space and writes zeroes.
java17=${JAVA17:-}
if [ -z "$java17" ]; then
    v=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "$v" -lt 22 ]; then java17=$(command -v "$java"); fi
fi
"$here/imgtool" --version >/dev/null 2>&1 || true   # the launcher's class-data archive
[ -n "$java17" ] && IMGTOOL_JAVA=$java17 "$here/imgtool" --version >/dev/null 2>&1 || true
t_zerofree=""
t_zf=""
t_zf17=""
# Fresh copies each round (three rounds; the best of each tool counts: the first imgtool run of a
# build also teaches the launcher's archive the command); sync so no tool pays for writing back
# the copy.
for i in 1 2 3; do
    cp --sparse=always "$work/dirty.img" "$work/zf.img"
    cp --sparse=always "$work/dirty.img" "$work/imgtool-zf.img"
    cat "$work/zf.img" "$work/imgtool-zf.img" > /dev/null; sync
    t0=$(now); zerofree "$work/zf.img"; t1=$(now)
    t_zerofree=$(best "$t_zerofree" "$(secs "$t0" "$t1")"); sync
    t0=$(now); "$here/imgtool" zero-free "$work/imgtool-zf.img" >/dev/null; t1=$(now)
    t_zf=$(best "$t_zf" "$(secs "$t0" "$t1")")
    if [ -n "$java17" ]; then
        cp --sparse=always "$work/dirty.img" "$work/imgtool17-zf.img"; cat "$work/imgtool17-zf.img" > /dev/null; sync
        t0=$(now); IMGTOOL_JAVA=$java17 "$here/imgtool" zero-free "$work/imgtool17-zf.img" >/dev/null; t1=$(now)
        t_zf17=$(best "$t_zf17" "$(secs "$t0" "$t1")")
    fi
done
rm -f "$work/dirty.img"
launcher_java=$("$here/imgtool" --version 2>/dev/null | sed -n 's/.*(Java \(.*\))$/\1/p')
echo "zerofree:                         ${t_zerofree} s, $(fsck_ok "$work/zf.img"), image $(du -h "$work/zf.img" | cut -f1) on disk"
echo "imgtool zero-free (JVM incl.):    ${t_zf} s, $(fsck_ok "$work/imgtool-zf.img"), image $(du -h "$work/imgtool-zf.img" | cut -f1) on disk (Java $launcher_java, the launcher's choice)"
if [ -n "$java17" ]; then
    echo "imgtool zero-free on Java 17:     ${t_zf17} s, $(fsck_ok "$work/imgtool17-zf.img") ($("$java17" -version 2>&1 | head -1); no fallocate: reads the free space)"
    echo "ratio zerofree / imgtool zero-free on Java 17: $(echo "scale=2; $t_zerofree / $t_zf17" | bc)x"
fi
diffs=$(cmp -l "$work/zf.img" "$work/imgtool-zf.img" | awk '$1 > 2048' | wc -l || true)
echo "bytes that differ outside the primary superblock (zerofree updates its lifetime-writes count): $diffs"
echo "ratio zerofree / imgtool zero-free: $(echo "scale=2; $t_zerofree / $t_zf" | bc)x (target >= 2x)"
