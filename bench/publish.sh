#!/usr/bin/env bash
# Benchmark of imgtool's publishing steps against the reference tools, in one run on one file:
#   imgtool xz         vs  xz -T2 --block-size=16MiB  and  xz -T1   (same preset, -6)
#   imgtool checksum   vs  sha256sum, sha512sum
# The input is a disk-like raw file (default 1.5 GiB): system files (binaries, libraries, text) from
# /usr, a share of incompressible bytes (like compressed packages), and holes (free space).
# Usage: bench/publish.sh [WORKDIR]     env: BENCH_SIZE_MIB (1536), BENCH_DATA_MIB (768), BENCH_RANDOM_MIB (96)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/imgtool-bench-publish}
size_mib=${BENCH_SIZE_MIB:-1536}
data_mib=${BENCH_DATA_MIB:-768}
random_mib=${BENCH_RANDOM_MIB:-96}
mkdir -p "$work"
cd "$work"
rm -f disk.raw.xz.* disk.raw.imgtool.xz SHA256SUMS.* 2>/dev/null || true

imgtool="$here/imgtool"
"$imgtool" --version >/dev/null   # builds the jar once, outside the timings

if [ ! -f disk.raw ] || [ "$(stat -c %s disk.raw)" != "$((size_mib << 20))" ]; then
    echo "making disk.raw: ${size_mib} MiB, ${data_mib} MiB of /usr files, ${random_mib} MiB random, the rest holes" >&2
    rm -f disk.raw
    truncate -s "${size_mib}M" disk.raw
    # System files in the first part, as a freshly installed root filesystem holds them.
    (tar cf - /usr/lib /usr/share /usr/bin 2>/dev/null || true) | head -c "$((data_mib << 20))" \
        | dd of=disk.raw conv=notrunc bs=1M status=none iflag=fullblock
    # Incompressible bytes (packages, compressed logs) further in; holes between and after.
    seek=$((data_mib + 128))
    if [ $((seek + random_mib)) -gt "$size_mib" ]; then seek=$((size_mib - random_mib)); fi
    head -c "$((random_mib << 20))" /dev/urandom \
        | dd of=disk.raw conv=notrunc bs=1M seek="$seek" status=none iflag=fullblock
fi

t() { # t NAME CMD... : wall seconds and peak RSS of CMD
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o time.$$ "$@" >/dev/null
    read -r secs rss < time.$$; rm -f time.$$
    printf '%-28s %8.2f s  %7d MiB peak RSS\n' "$name" "$secs" "$((rss / 1024))" >&2
    echo "$secs"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cat disk.raw > /dev/null   # warm the page cache for everyone alike

echo "== xz (preset 6, $(nproc) cores)" >&2
s_ours=$(t "imgtool xz (16 MiB blocks)" "$imgtool" xz disk.raw disk.raw.imgtool.xz)
s_xz2=$(t "xz -T2 --block-size=16MiB" sh -c 'xz -6 -T2 --block-size=16MiB -c disk.raw > disk.raw.xz.T2')
s_xz1=$(t "xz -T1" sh -c 'xz -6 -T1 -c disk.raw > disk.raw.xz.T1')
xz -t disk.raw.imgtool.xz
blocks=$(xz --list --robot disk.raw.imgtool.xz | awk -F'\t' '$1=="file"{print $3}')
z_ours=$(stat -c %s disk.raw.imgtool.xz); z_xz2=$(stat -c %s disk.raw.xz.T2); z_xz1=$(stat -c %s disk.raw.xz.T1)
cmp <(xz -dc disk.raw.imgtool.xz) disk.raw && echo "imgtool xz output decompresses byte-identical ($blocks blocks)" >&2

echo "== checksums" >&2
c_ours=$(t "imgtool checksum" "$imgtool" checksum disk.raw)
c_ref=$(t "sha256sum" sha256sum disk.raw)
c_ours512=$(t "imgtool checksum --sha512" "$imgtool" checksum --sha512 disk.raw)
c_ref512=$(t "sha512sum" sha512sum disk.raw)
[ "$("$imgtool" checksum disk.raw | cut -d' ' -f1)" = "$(sha256sum disk.raw | cut -d' ' -f1)" ]

cat <<REPORT
input: disk.raw, $((size_mib)) MiB ($data_mib MiB /usr files, $random_mib MiB random, rest holes), $(nproc) cores
xz size:  imgtool $z_ours  |  xz -T2 16MiB blocks $z_xz2 (imgtool/xz = $(ratio "$z_ours" "$z_xz2"))  |  xz -T1 $z_xz1 (imgtool/xz = $(ratio "$z_ours" "$z_xz1"))
xz time:  imgtool ${s_ours}s  |  xz -T2 ${s_xz2}s (imgtool/xz = $(ratio "$s_ours" "$s_xz2"))  |  xz -T1 ${s_xz1}s (imgtool/xz = $(ratio "$s_ours" "$s_xz1"))
sha256:   imgtool ${c_ours}s  |  sha256sum ${c_ref}s (imgtool/sha256sum = $(ratio "$c_ours" "$c_ref"))
sha512:   imgtool ${c_ours512}s  |  sha512sum ${c_ref512}s (imgtool/sha512sum = $(ratio "$c_ours512" "$c_ref512"))
(times include JVM start-up for imgtool; run with the page cache warm)
REPORT
rm -f disk.raw.xz.T1 disk.raw.xz.T2 disk.raw.imgtool.xz
