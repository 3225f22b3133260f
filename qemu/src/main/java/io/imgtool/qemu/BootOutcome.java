package io.imgtool.qemu;

/** How a boot ended. Only {@link #POWERED_OFF} is success. */
public enum BootOutcome {
    /** The guest powered itself off (and cloud-init, when read, reported no error). */
    POWERED_OFF(true),
    /** The guest did not power off within the timeout; QEMU was killed. */
    TIMEOUT(false),
    /** "Kernel panic - not syncing" on the console, or QEMU's guest-panic event. */
    KERNEL_PANIC(false),
    /** The firmware found no bootable disk (no boot loader for BIOS, no EFI system partition for UEFI). */
    NOT_BOOTABLE(false),
    /** An emergency, rescue, initramfs or dracut shell on the console. */
    EMERGENCY_SHELL(false),
    /** The guest reset (rebooted, or a triple fault) instead of powering off. */
    RESET(false),
    /** The guest powered off, but the --script exited with a non-zero status (seen on the console). */
    SCRIPT_FAILED(false),
    /** The guest powered off, but cloud-init reported errors (result.json, or the console). */
    CLOUD_INIT_ERRORS(false),
    /** QEMU itself failed: it exited with an error before the guest powered off. */
    QEMU_FAILED(false);

    private final boolean success;

    BootOutcome(boolean success) {
        this.success = success;
    }

    public boolean success() {
        return success;
    }
}
