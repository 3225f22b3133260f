#!/bin/sh
# Benchmark: `imgtool label --root SLX_SYS IMAGE` wall time, JVM start included, next to
# `sgdisk -c 1:SLX_SYS` on the raw equivalent, on a 4 GiB Debian-cloud-like disk (BIOS boot + ESP +
# root). Medians of several runs with hyperfine; before every run the partition name is reset, so
# each run really writes (both copies of the GPT).
#
#   bench/label.sh [--format raw|qcow2] [--runs N] [--size 4G]
#
# Besides the label runs it measures what start-up costs: a bare JVM (hello world), imgtool
# --version (JVM + the whole command-line model), and the label run without the class-data-sharing
# archive (IMGTOOL_CDS=off), with the full JIT, and without the launcher (java -jar). qcow2 needs the qcow2 module (Disks.open
# probing the format); sgdisk always works on the raw file.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
format=raw
runs=15
size=4G
while [ $# -gt 0 ]; do
    case "$1" in
        --format) format=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        *) echo "usage: $0 [--format raw|qcow2] [--runs N] [--size 4G]" >&2; exit 2 ;;
    esac
done
for tool in hyperfine sgdisk python3 java; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench/label.sh: $tool is not installed" >&2; exit 2; }
done

work="$here/bench/work/label"
mkdir -p "$work"
raw="$work/source.raw"
img="$work/disk.$format"
rm -f "$raw" "$img" "$work"/*.json
truncate -s "$size" "$raw"
sgdisk -o -n 14:2048:+3M -t 14:ef02 -n 15:0:+124M -t 15:ef00 -n 1:0:0 -t 1:8300 -c 1:old "$raw" >/dev/null
if [ "$format" = qcow2 ]; then
    qemu-img convert -f raw -O qcow2 "$raw" "$img"
    sgdisk_img="$work/disk-for-sgdisk.raw"
    cp --sparse=always "$raw" "$sgdisk_img"
else
    cp --sparse=always "$raw" "$img"
    sgdisk_img="$raw"
fi

# Build the jar (and let the launcher record its class-data-sharing archive) before measuring.
"$here/imgtool" --version >/dev/null
"$here/imgtool" label --root warmup --dry-run "$img" >/dev/null
jar="$here/cli/target/imgtool.jar"
hello="$work/hello"
mkdir -p "$hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
    > "$hello/Hello.java"
javac -d "$hello" "$hello/Hello.java"

# Prepare commands (not timed) reset the name so every timed run writes; the checks after the
# runs make sure the label really landed.
reset_img="$here/imgtool part name $img 1 old"
reset_raw="sgdisk -c 1:old $sgdisk_img"

hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/label.json" \
    --prepare "$reset_img" -n "imgtool label (launcher: CDS, C1)" "$here/imgtool label --root SLX_SYS $img" \
    --prepare "$reset_img" -n "  ... IMGTOOL_CDS=off" "env IMGTOOL_CDS=off $here/imgtool label --root SLX_SYS $img" \
    --prepare "$reset_img" -n "  ... full JIT (C2)" "env IMGTOOL_OPTS=-XX:TieredStopAtLevel=4 $here/imgtool label --root SLX_SYS $img" \
    --prepare "$reset_img" -n "java -jar imgtool.jar label" "java -jar $jar label --root SLX_SYS $img" \
    --prepare "$reset_raw" -n "sgdisk -c 1:SLX_SYS (raw)" "sgdisk -c 1:SLX_SYS $sgdisk_img" \
    --prepare "true" -n "imgtool --version (launcher, CDS)" "$here/imgtool --version" \
    --prepare "true" -n "JVM hello world" "java -cp $hello Hello" \
    >"$work/hyperfine.txt" 2>&1 || { cat "$work/hyperfine.txt" >&2; exit 1; }

# The result must be right, not only fast.
sgdisk -i 1 "$sgdisk_img" | grep -q "Partition name: 'SLX_SYS'"
"$here/imgtool" part list --json "$img" | grep -q '"name": "SLX_SYS"'

python3 - "$work/label.json" "$format" "$size" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] for r in data}
ref = next(v for k, v in med.items() if k.startswith("sgdisk"))
print(f"label benchmark: {sys.argv[3]} {sys.argv[2]} image, median of {len(data[0]['times'])} runs (hyperfine)")
print(f"{'command':40} {'median':>9} {'min':>9} {'cpu':>9} {'vs sgdisk':>10}")
for r in data:
    cpu = (r["user"] + r["system"]) * 1000
    print(f"{r['command']:40} {r['median']*1000:7.0f}ms {r['min']*1000:7.0f}ms {cpu:7.0f}ms {r['median']/ref:9.2f}x")
print("cpu: mean user+system time, less sensitive than wall time to other load on the machine")
EOF
echo "(sgdisk -c syncs and waits about 1 s for the kernel to re-read the table; on an image file that is pure overhead)"
uptime
