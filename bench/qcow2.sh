#!/usr/bin/env bash
# qcow2 benchmark: imgtool against qemu-img, side by side in one run, on the same input.
#
#   bench/qcow2.sh                                                    # the Java the launcher picks
#   IMGTOOL_JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java bench/qcow2.sh   # a given Java
#
# Prints one line per step: the median wall time of each tool over REPS runs (all runs listed),
# the speed-up (qemu-img time / imgtool time: above 1 means imgtool is faster), the median CPU time
# (user + system, less disturbed than wall time when other work shares the cores), output sizes,
# and imgtool's peak RSS (from /usr/bin/time) under the enforced heap limit. qemu-img and imgtool runs
# alternate, and every run starts after a `sync` (not timed), so both meet the same page-cache
# state. The load average is printed at the start and the end: the machine may be shared.
#
# Uncompressed conversions are timed twice, like for like: "unsynced" is qemu-img's default (its
# output cache mode is "unsafe": nothing is flushed) against imgtool --no-sync; "synced" is
# qemu-img -t writeback (flushes when it closes the output) against imgtool's default (forces the
# output to disk before renaming it into place).
#
# Environment:
#   REPS   runs per uncompressed step and per check (default 5; medians are quoted)
#   CREPS  runs per compressed step (default 3)
#   HEAP   imgtool's -Xmx (default 256m)
#   META   "0" skips the metadata-heavy check (a 512-byte-cluster image qemu-img needs ~1 min to make)
#   WORK   scratch folder (default bench/work; deleted at the end)
#   SIZE   virtual size of the sample (default 4G; a smaller one for a quick try of the script)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$here/bench/work}
reps=${REPS:-5}
creps=${CREPS:-3}
heap=${HEAP:-256m}
meta=${META:-1}
size=${SIZE:-4G}
export IMGTOOL_OPTS="-Xmx$heap ${IMGTOOL_OPTS:-}"
imgtool="$here/imgtool"
command -v qemu-img >/dev/null || { echo "qemu-img is needed (apt-get install qemu-utils)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)"; exit 1; }

rm -rf "$work"; mkdir -p "$work"; cd "$work"
trap 'cd "$here"; rm -rf "$work"' EXIT
"$imgtool" --version >/dev/null 2>&1 # builds the jar and the class-data archive when needed
"$imgtool" --version >/dev/null 2>&1
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  cores: $(nproc)  load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "imgtool: $("$imgtool" --version 2>/dev/null)  heap: -Xmx$heap"
echo "qemu-img: $(qemu-img --version | head -1)"

# ~4 GiB virtual, ~1.5 GiB of text-like and random data, zero runs and holes, built by imgtool itself.
"$imgtool" sample -O raw --size "$size" --fill 0.62 --seed 7 src.raw >/dev/null 2>&1
echo "source: $(du -k --apparent-size src.raw | cut -f1) KiB apparent, $(du -k src.raw | cut -f1) KiB allocated"

# t CMD...: runs CMD (output discarded), prints "seconds cpu_seconds maxrss_kib"; fails the bench when
# CMD fails (check's exit 1 "problems found" included: the inputs are clean).
t() {
    local f=$work/.time
    if ! /usr/bin/time -o "$f" -f '%e %U %S %M' "$@" >/dev/null 2>"$work/.err"; then
        echo "FAILED: $*" >&2; cat "$work/.err" >&2; exit 1
    fi
    tail -1 "$f" | awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A QS IS
# run_pair NAME REPS QEMU-CMD... -- IMGTOOL-CMD... ; outputs q.out / i.out are removed before each run
run_pair() {
    local name=$1 n=$2; shift 2
    local qcmd=() icmd=(); while [ "$1" != "--" ]; do qcmd+=("$1"); shift; done; shift; icmd=("$@")
    local qt=() it=() qc=() ic=() rss=0 r
    for ((k = 0; k < n; k++)); do
        rm -f q.out i.out; sync
        r=$(t "${qcmd[@]}"); read -r w c m <<<"$r"; qt+=("$w"); qc+=("$c")
        QS[$name]=$( [ -f q.out ] && stat -c %s q.out || echo 0 )
        rm -f q.out i.out; sync
        r=$(t "${icmd[@]}"); read -r w c m <<<"$r"; it+=("$w"); ic+=("$c"); [ "$m" -gt "$rss" ] && rss=$m
        IS[$name]=$( [ -f i.out ] && stat -c %s i.out || echo 0 )
        [ "$k" -lt $((n - 1)) ] && rm -f q.out i.out
    done
    local qm im qcm icm
    qm=$(printf '%s\n' "${qt[@]}" | median); im=$(printf '%s\n' "${it[@]}" | median)
    qcm=$(printf '%s\n' "${qc[@]}" | median); icm=$(printf '%s\n' "${ic[@]}" | median)
    printf '%-24s qemu-img %6.2fs  imgtool %6.2fs  speed-up %5.2fx  | CPU qemu-img %6.2fs imgtool %6.2fs | imgtool max RSS %4d MiB  (qemu-img: %s | imgtool: %s)\n' \
        "$name" "$qm" "$im" "$(echo "$qm / $im" | bc -l)" "$qcm" "$icm" $((rss / 1024)) "${qt[*]}" "${it[*]}"
}
sizes() {
    printf '%-24s output bytes: qemu-img %s  imgtool %s  (imgtool/qemu-img %.4f)\n' "" "${QS[$1]}" "${IS[$1]}" \
        "$(echo "${IS[$1]} / ${QS[$1]}" | bc -l)"
}
verify() { # verify FORMAT FILE: qemu-img finds the imgtool output clean and equal to the source
    if [ "$1" = qcow2 ]; then
        qemu-img check -q "$2"
        qemu-img compare -q -f raw -F qcow2 src.raw "$2" && echo "$(printf '%-24s' '')verified: qemu-img check clean, compare equal"
    else
        cmp -s src.raw "$2" && echo "$(printf '%-24s' '')verified: byte-identical to the source"
    fi
}

run_pair "start-up (--version)" "$reps" qemu-img --version -- "$imgtool" --version
qemu-img convert -f raw -O qcow2 src.raw ref.qcow2
run_pair "raw -> qcow2, unsynced" "$reps" qemu-img convert -f raw -O qcow2 src.raw q.out -- \
    "$imgtool" convert --no-sync -f raw -O qcow2 src.raw i.out
sizes "raw -> qcow2, unsynced"; verify qcow2 i.out
run_pair "raw -> qcow2, synced" "$reps" qemu-img convert -t writeback -f raw -O qcow2 src.raw q.out -- \
    "$imgtool" convert -f raw -O qcow2 src.raw i.out
verify qcow2 i.out
run_pair "qcow2 -> raw, unsynced" "$reps" qemu-img convert -O raw ref.qcow2 q.out -- \
    "$imgtool" convert --no-sync -O raw ref.qcow2 i.out
verify raw i.out
run_pair "qcow2 -> raw, synced" "$reps" qemu-img convert -t writeback -O raw ref.qcow2 q.out -- \
    "$imgtool" convert -O raw ref.qcow2 i.out
verify raw i.out
run_pair "raw -> qcow2 -c zlib" "$creps" qemu-img convert -f raw -O qcow2 -c src.raw q.out -- \
    "$imgtool" convert -f raw -O qcow2 -c src.raw i.out
sizes "raw -> qcow2 -c zlib"; verify qcow2 i.out
run_pair "raw -> qcow2 -c zstd" "$creps" qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd src.raw q.out -- \
    "$imgtool" convert -f raw -O qcow2 -c --compression zstd src.raw i.out
sizes "raw -> qcow2 -c zstd"; verify qcow2 i.out
rm -f q.out i.out
run_pair "check (64k clusters)" "$reps" qemu-img check ref.qcow2 -- "$imgtool" check ref.qcow2
if [ "$meta" != 0 ]; then
    # Lots of metadata: the same data in 512-byte clusters (about 2.8 million L2 entries).
    qemu-img convert -f raw -O qcow2 -o cluster_size=512 src.raw meta.qcow2
    run_pair "check (512 B clusters)" "$reps" qemu-img check meta.qcow2 -- "$imgtool" check meta.qcow2
    rm -f meta.qcow2
fi

# A 1 TiB sparse image: info, check and map cost what is allocated, not the virtual size.
qemu-img create -q -f qcow2 big.qcow2 1T
qemu-io -c 'write -P 1 0 64M' -c 'write -P 2 512G 64M' -c 'write -P 3 1023G 64M' big.qcow2 >/dev/null
for c in info check map; do
    run_pair "1 TiB sparse: $c" "$reps" qemu-img $c big.qcow2 -- "$imgtool" $c big.qcow2
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
