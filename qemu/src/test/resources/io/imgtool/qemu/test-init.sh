#!/bin/busybox sh
# /init of the initramfs the qemu module's boot tests build (TestGuest): busybox, the modules for
# virtio disks and ISO 9660, and this script. What it does is chosen on the kernel command line:
#   imgtool.test=seed       print the NoCloud seed's files, write a marker to the disk, power off
#   imgtool.test=hang       write the marker, then never power off (the timeout test)
#   imgtool.test=reboot     reboot instead of powering off
#   imgtool.test=emergency  print systemd's emergency-mode line and wait
#   imgtool.test=script     run the seed's user-data as a shell script (as cloud-init's scripts_user
#                           would run imgtool's --script part), write the marker, power off
/bin/busybox mkdir -p /proc /sys /dev /mnt /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do
    insmod "/modules/$m" || echo "imgtool-test: insmod $m failed"
done
mode=seed
for word in $(cat /proc/cmdline); do
    case "$word" in imgtool.test=*) mode="${word#imgtool.test=}" ;; esac
done
echo "imgtool-test: mode $mode"

# The disks appear asynchronously after insmod. The seed is the one that mounts as ISO 9660
# (busybox's findfs does not probe ISO 9660 labels; blkid on the host checks the label).
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
seed=
disk=
for d in /dev/vd?; do
    if [ -z "$seed" ] && mount -t iso9660 -o ro "$d" /mnt 2>/dev/null; then
        seed=$d
        umount /mnt
    elif [ -z "$disk" ]; then
        disk=$d
    fi
done
echo "imgtool-test: disk $disk seed ${seed:-none}"

mark() {
    printf 'IMGTOOL-TEST-MARKER %s\n' "$1" | dd of="$disk" bs=512 seek=8 conv=notrunc 2>/dev/null
    sync
}

case "$mode" in
seed)
    if [ -n "$seed" ] && mount -t iso9660 -o ro "$seed" /mnt; then
        for f in meta-data user-data network-config; do
            [ -f "/mnt/$f" ] || continue
            echo "imgtool-test: begin $f"
            cat "/mnt/$f"
            echo "imgtool-test: end $f"
        done
        umount /mnt
    else
        echo "imgtool-test: no cidata volume found"
    fi
    mark seed
    echo "imgtool-test: powering off"
    poweroff -f
    ;;
script)
    if [ -n "$seed" ] && mount -t iso9660 -o ro "$seed" /mnt; then
        cp /mnt/user-data /user-data
        umount /mnt
        sh /user-data
        echo "imgtool-test: user-data exited with $?"
    fi
    mark script
    poweroff -f
    ;;
hang)
    mark hang
    echo "imgtool-test: hanging"
    while true; do sleep 60; done
    ;;
reboot)
    echo "imgtool-test: rebooting"
    reboot -f
    ;;
emergency)
    echo "You are in emergency mode. After logging in, type \"journalctl -xb\" to view"
    while true; do sleep 60; done
    ;;
esac
sleep 5
poweroff -f
