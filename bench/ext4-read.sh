#!/usr/bin/env bash
# ext4 read benchmark (issue 4): a Debian 12 root filesystem (~1.5 GiB, built once with debootstrap
# and cached) in a 4 GiB image made by mkfs.ext4 -d; in one run:
#   - imgtool tar-out (JVM start included) vs virt-tar-out (libguestfs appliance, TCG) and
#     debugfs -R 'rdump / DIR' (e2fsprogs, native);
#   - a warm-JVM walk of every inode with all attributes, and reading every file (Ext4ReadBench).
# Figures are wall-clock seconds on this machine; ratios are what to quote. The page cache is warmed
# first so every tool reads the image from memory.
#
#   bench/ext4-read.sh            # needs root for debootstrap the first time
#   IMGTOOL_BENCH_CACHE=dir       # where the root tree and image are cached (default ~/.cache/imgtool-bench)
#   SKIP_VIRT=1                   # leave virt-tar-out out (it needs ~20 s to start its appliance)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
cache=${IMGTOOL_BENCH_CACHE:-$HOME/.cache/imgtool-bench}
rootfs=$cache/debian-bookworm-root
img=$cache/debian-root-4g.img
mkdir -p "$cache"

mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
fi
packages=linux-image-amd64,linux-headers-amd64,systemd-sysv,python3,perl,gcc,g++,make,git,vim,openssh-server,curl,less,man-db,manpages-dev,locales,python3-pip,python3-numpy,dpkg-dev,iproute2,ca-certificates

if [ ! -f "$rootfs/.imgtool-complete" ] || [ "$(cat "$rootfs/.imgtool-complete")" != "$packages" ]; then
    rm -f "$img"
    echo "== building the Debian root with debootstrap ($mirror) into $rootfs" >&2
    rm -rf "$rootfs"
    mkdir -p "$cache/debs"
    debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$packages" bookworm "$rootfs" "$mirror" >&2
    echo "$packages" > "$rootfs/.imgtool-complete"
fi
if [ ! -f "$img" ]; then
    echo "== mkfs.ext4 -d (4 GiB image)" >&2
    mkfs.ext4 -q -F -E lazy_itable_init=0 -d "$rootfs" "$img" 4G
fi

echo "== building imgtool" >&2
mvn -q -o -B -pl bench -am package -DskipTests >&2 || mvn -q -B -pl bench -am package -DskipTests >&2
jar=$here/cli/target/imgtool.jar
java=${JAVA:-java}

work=$(mktemp -d /tmp/imgtool-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat "$img" > /dev/null   # warm the page cache

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

tree_size=$(du -sh --exclude=.imgtool-complete "$rootfs" | cut -f1)
files=$(debugfs -R stats "$img" 2>/dev/null | awk -F: '/^Inode count/{ic=$2} /^Free inodes/{fi=$2} END{print ic-fi}')
echo "image: $img (4 GiB), tree: $tree_size, inodes in use: $files"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"

# Each tool runs twice; the better run counts (the machine is shared; the first run also warms caches).
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

t_rdump=""
for i in 1 2; do
    rm -rf "$work/rdump"; mkdir "$work/rdump"; sync
    t0=$(now); debugfs -R "rdump / $work/rdump" "$img" >/dev/null 2>&1; t1=$(now)
    t_rdump=$(best "$t_rdump" "$(secs "$t0" "$t1")")
done
n_rdump=$(find "$work/rdump" | wc -l)
rm -rf "$work/rdump"
echo "debugfs rdump / DIR:           ${t_rdump} s  ($n_rdump paths written)"

tar_out() { # $1 = extra JVM options
    local t=""
    for i in 1 2; do
        rm -f "$work/imgtool.tar"; sync
        t0=$(now); "$java" $1 -jar "$jar" tar-out "$img" / "$work/imgtool.tar"; t1=$(now)
        t=$(best "$t" "$(secs "$t0" "$t1")")
    done
    echo "$t"
}
t_tar=$(tar_out "")
n_tar=$(tar -tf "$work/imgtool.tar" | wc -l)
echo "imgtool tar-out (JVM incl.):   ${t_tar} s  ($n_tar entries, $(du -h "$work/imgtool.tar" | cut -f1))"
t_tar_c1=$(tar_out "-XX:TieredStopAtLevel=1")
echo "  same, JVM -XX:TieredStopAtLevel=1: ${t_tar_c1} s"
rm -f "$work/imgtool.tar"

t0=$(now); "$java" -jar "$jar" tar-out "$img" / "$work/imgtool.tar.zst"; t1=$(now)
echo "imgtool tar-out .tar.zst:      $(secs "$t0" "$t1") s  ($(du -h "$work/imgtool.tar.zst" | cut -f1))"
rm -f "$work/imgtool.tar.zst"

if [ -z "${SKIP_VIRT:-}" ] && command -v virt-tar-out >/dev/null; then
    t0=$(now)
    LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg virt-tar-out --format=raw -a "$img" / "$work/virt.tar"
    t1=$(now)
    t_virt=$(secs "$t0" "$t1")
    n_virt=$(tar -tf "$work/virt.tar" | wc -l)
    echo "virt-tar-out (TCG appliance):  ${t_virt} s  ($n_virt entries)"
    rm -f "$work/virt.tar"
    echo "ratio virt-tar-out / imgtool tar-out: $(echo "scale=2; $t_virt / $t_tar" | bc)x (target >= 3x)"
    echo "  with TieredStopAtLevel=1: $(echo "scale=2; $t_virt / $t_tar_c1" | bc)x"
fi
echo "ratio debugfs rdump / imgtool tar-out: $(echo "scale=2; $t_rdump / $t_tar" | bc)x (target >= 1x)"
echo "  with TieredStopAtLevel=1: $(echo "scale=2; $t_rdump / $t_tar_c1" | bc)x"

echo "== warm JVM (Ext4ReadBench)"
"$java" -cp "$jar:$here/bench/target/classes" io.imgtool.bench.Ext4ReadBench "$img" 5
