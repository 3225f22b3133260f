#!/usr/bin/env bash
# seal benchmark: imgtool seal against the usual chain, side by side in one run, on copies of one image.
#
#   bench/seal.sh                     # the Java the ./imgtool launcher chooses (22+ when installed)
#   IMGTOOL_JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java bench/seal.sh   # another Java (the launcher prefers 22+)
#
# The image: the seal tests' used Debian bookworm guest (debootstrap with systemd, openssh-server,
# cloud-init and the cloud kernel, cached in ~/.cache/imgtool; built as root on the first run) on a
# 4 GiB Debian-cloud-like GPT disk, as qcow2.
#
#   imgtool:   imgtool seal used.qcow2 -o golden.qcow2 --compress deflate --sign-key KEY
#              (operations, free space dropped, compressed qcow2, SHA256SUMS, clearsigned SHA256SUMS.asc)
#   reference: virt-sysprep -a copy.qcow2 && virt-sparsify --compress copy.qcow2 golden.qcow2
#              && sha256sum golden.qcow2 > SHA256SUMS && gpg --clearsign SHA256SUMS
#              (libguestfs: LIBGUESTFS_BACKEND=direct, TCG here since KVM does not work on this machine)
#
# Then the seal operations with --scrub-deleted and --label-root alone (in place on a qcow2 copy, no
# compression), JVM start included. Environment: WORK (scratch folder, default bench/work-seal),
# REPS (in-place runs, default 5; the median is quoted).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$here/bench/work-seal}
reps=${REPS:-5}
imgtool="$here/imgtool"
java_bin=${IMGTOOL_JAVA:-java}
for t in qemu-img virt-sysprep virt-sparsify gpg sha256sum; do
    command -v "$t" >/dev/null || { echo "$t is needed"; exit 1; }
done

rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$imgtool" --version >&2
echo "$(virt-sysprep --version); $(qemu-img --version | head -1); cores: $(nproc); load: $(cut -d" " -f1-3 /proc/loadavg)"

# The image (the tree is cached; the disk is rebuilt: ~5 s).
(cd "$here" && mvn -q -o -pl testdata compile)
"$java_bin" -cp "$here/testdata/target/classes" io.imgtool.testdata.DebianDisk used.raw 4096 used >/dev/null
qemu-img convert -f raw -O qcow2 used.raw used.qcow2
rm used.raw
echo "input: used.qcow2 $(stat -c %s used.qcow2) bytes ($(qemu-img info --output=json used.qcow2 | grep -m1 '"virtual-size"' | tr -dc 0-9) virtual)"

# One signing key for both: made by imgtool, imported into a private GnuPG home for the reference.
"$imgtool" keygen --name "Bench Signer" --email bench@example.org keys/ >/dev/null
export GNUPGHOME="$work/gnupg"; mkdir -p "$GNUPGHOME"; chmod 700 "$GNUPGHOME"
gpg --batch --quiet --import keys/signing-key.secret.asc 2>/dev/null

# run NAME CMD...: wall and CPU (user+sys, children included) seconds into W[NAME], C[NAME]; output discarded.
declare -A W C
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$work/.time" "$@" >/dev/null 2>&1
    read -r w u s < "$work/.time"
    W[$name]=$w; C[$name]=$(echo "$u + $s" | bc)
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# --- imgtool: everything in one command
mkdir out-imgtool
cp --sparse=always used.qcow2 pristine.qcow2
"$imgtool" seal used.qcow2 --dry-run -q >/dev/null   # warm-up: the launcher's class-data archive is made once
run imgtool sh -c "'$imgtool' seal used.qcow2 -o out-imgtool/golden.qcow2 --compress deflate \
    --sign-key keys/signing-key.secret.asc -q > out-imgtool/report.txt"
t_imgtool=${W[imgtool]}
cmp -s used.qcow2 pristine.qcow2 && echo "imgtool: input unchanged"
rm pristine.qcow2
s_imgtool=$(stat -c %s out-imgtool/golden.qcow2)
(cd out-imgtool && sha256sum --quiet -c SHA256SUMS && gpg --batch --verify SHA256SUMS.asc 2>/dev/null) \
    && echo "imgtool: sha256sum -c and gpg --verify accept the output"

# --- reference chain, on a copy
mkdir out-ref
cp --sparse=always used.qcow2 ref.qcow2
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
run sysprep virt-sysprep -q -a ref.qcow2
run sparsify virt-sparsify -q --compress ref.qcow2 out-ref/golden.qcow2
run sign sh -c "cd out-ref && sha256sum golden.qcow2 > SHA256SUMS && gpg --batch --yes --clearsign SHA256SUMS"
t_vs=${W[sysprep]}; t_sp=${W[sparsify]}; t_sg=${W[sign]}
t_ref=$(echo "$t_vs + $t_sp + $t_sg" | bc)
c_ref=$(echo "${C[sysprep]} + ${C[sparsify]} + ${C[sign]}" | bc)
s_ref=$(stat -c %s out-ref/golden.qcow2)
qemu-img check -q out-imgtool/golden.qcow2 && qemu-img check -q out-ref/golden.qcow2 && echo "qemu-img check: both clean"

printf 'end to end:   imgtool %7.2fs   reference %7.2fs (virt-sysprep %.2fs + virt-sparsify %.2fs + sha256sum/gpg %.2fs)   speed-up %.1fx\n' \
    "$t_imgtool" "$t_ref" "$t_vs" "$t_sp" "$t_sg" "$(echo "$t_ref / $t_imgtool" | bc -l)"
printf 'CPU (user+sys): imgtool %7.2fs   reference %7.2fs   ratio %.1fx\n' "${C[imgtool]}" "$c_ref" \
    "$(echo "$c_ref / ${C[imgtool]}" | bc -l)"
printf 'output bytes: imgtool %s   virt-sparsify %s   imgtool/virt-sparsify %.4f\n' "$s_imgtool" "$s_ref" \
    "$(echo "$s_imgtool / $s_ref" | bc -l)"
grep '^time:' out-imgtool/report.txt | sed 's/^/imgtool stages: /'

# --- scrub and label alone: in place on a qcow2 copy, no compression, JVM start included
ts_all=(); cs_all=()
for ((k = 0; k < reps; k++)); do
    cp --sparse=always used.qcow2 inplace.qcow2
    sync
    run inplace "$imgtool" seal inplace.qcow2 --in-place --scrub-deleted --label-root SLX_SYS --no-checksums -q
    ts_all+=("${W[inplace]}"); cs_all+=("${C[inplace]}")
done
printf 'seal --in-place --scrub-deleted --label-root (no compression): median %.2fs wall, %.2fs CPU (runs: %s)\n' \
    "$(printf '%s\n' "${ts_all[@]}" | median)" "$(printf '%s\n' "${cs_all[@]}" | median)" "${ts_all[*]}"
qemu-img check -q inplace.qcow2 && echo "in-place result: qemu-img check clean"
