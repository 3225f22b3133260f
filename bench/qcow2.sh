#!/usr/bin/env bash
# qcow2 benchmark: imgtool against qemu-img, side by side in one run, on the same input.
#
#   bench/qcow2.sh                 # Java from PATH (17: raw files have no visible holes)
#   IMGTOOL_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/qcow2.sh   # Java 25: SEEK_DATA
#
# Environment: REPS (default 3, medians are quoted), CREPS (compressed runs, default 1),
# WORK (scratch folder, default bench/work), HEAP (imgtool -Xmx, default 256m).
# The machine may be shared: repeat runs and read the medians, not single figures.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$here/bench/work}
reps=${REPS:-3}
creps=${CREPS:-1}
heap=${HEAP:-256m}
export IMGTOOL_OPTS="-Xmx$heap ${IMGTOOL_OPTS:-}"
imgtool="$here/imgtool"
command -v qemu-img >/dev/null || { echo "qemu-img is needed (apt-get install qemu-utils)"; exit 1; }

rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$imgtool" --version >&2
java_bin=${IMGTOOL_JAVA:-java}
echo "java: $("$java_bin" -version 2>&1 | head -1); qemu-img: $(qemu-img --version | head -1); cores: $(nproc)"

# ~4 GiB virtual, ~1.5 GiB of text-like and random data, zero runs and holes, built by imgtool itself.
"$imgtool" sample -O raw --size 4G --fill 0.62 --seed 7 src.raw 2>/dev/null
echo "source: $(du -k --apparent-size src.raw | cut -f1) KiB apparent, $(du -k src.raw | cut -f1) KiB allocated"

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A Q I QS IS
run_pair() { # name reps qemu-cmd... -- imgtool-cmd... ; outputs q.out / i.out are removed before each run
    local name=$1 n=$2; shift 2
    local qcmd=() icmd=(); while [ "$1" != "--" ]; do qcmd+=("$1"); shift; done; shift; icmd=("$@")
    local qt=() it=()
    for ((k = 0; k < n; k++)); do
        rm -f q.out i.out; sync
        qt+=("$(t "${qcmd[@]}")")
        QS[$name]=$( [ -f q.out ] && stat -c %s q.out || echo 0 )
        rm -f q.out i.out; sync
        it+=("$(t "${icmd[@]}")")
        IS[$name]=$( [ -f i.out ] && stat -c %s i.out || echo 0 )
    done
    Q[$name]=$(printf '%s\n' "${qt[@]}" | median)
    I[$name]=$(printf '%s\n' "${it[@]}" | median)
    printf '%-22s qemu-img %7.2fs  imgtool %7.2fs  speed-up %5.2fx  runs %s  (qemu: %s | imgtool: %s)\n' "$name" "${Q[$name]}" \
        "${I[$name]}" "$(echo "${Q[$name]} / ${I[$name]}" | bc -l)" "$n" "${qt[*]}" "${it[*]}"
}

qemu-img convert -f raw -O qcow2 src.raw ref.qcow2
run_pair "raw -> qcow2" "$reps" qemu-img convert -f raw -O qcow2 src.raw q.out -- "$imgtool" convert -f raw -O qcow2 src.raw i.out
cmp_sizes() { printf '%-22s output bytes: qemu-img %s  imgtool %s  (imgtool/qemu %.4f)\n' "$1" "${QS[$1]}" "${IS[$1]}" \
    "$(echo "${IS[$1]} / ${QS[$1]}" | bc -l)"; }
cmp_sizes "raw -> qcow2"
run_pair "qcow2 -> raw" "$reps" qemu-img convert -O raw ref.qcow2 q.out -- "$imgtool" convert -O raw ref.qcow2 i.out
run_pair "raw -> qcow2 -c zlib" "$creps" qemu-img convert -f raw -O qcow2 -c src.raw q.out -- \
    "$imgtool" convert -f raw -O qcow2 -c src.raw i.out
cmp_sizes "raw -> qcow2 -c zlib"
run_pair "raw -> qcow2 -c zstd" "$creps" qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd src.raw q.out -- \
    "$imgtool" convert -f raw -O qcow2 -c --compression zstd src.raw i.out
cmp_sizes "raw -> qcow2 -c zstd"
run_pair "check" "$reps" qemu-img check ref.qcow2 -- "$imgtool" check ref.qcow2

# Correctness of what was timed: the last imgtool outputs are checked and compared by qemu-img.
"$imgtool" convert -f raw -O qcow2 -c src.raw last.qcow2 >/dev/null 2>&1
qemu-img check -q last.qcow2 && qemu-img compare -q -f raw src.raw last.qcow2 && echo "verified: imgtool's compressed output is clean and equal to the source"

# A 1 TiB sparse image: info, check and map cost what is allocated, not the virtual size.
qemu-img create -q -f qcow2 big.qcow2 1T
qemu-io -c 'write -P 1 0 64M' -c 'write -P 2 512G 64M' -c 'write -P 3 1023G 64M' big.qcow2 >/dev/null
for c in info check map; do
    printf '1 TiB sparse: %-6s imgtool %6.2fs  qemu-img %6.2fs\n' "$c" "$(t "$imgtool" $c big.qcow2)" \
        "$(t qemu-img $c big.qcow2)"
done
echo "imgtool heap limit: -Xmx$heap"
cd "$here"; rm -rf "$work"
