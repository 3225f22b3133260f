package io.imgtool.qemu;

/**
 * Something recognised on the guest's serial console.
 *
 * @param kind what it means
 * @param line the console line (escape sequences removed)
 */
public record ConsoleEvent(Kind kind, String line) {

    /** What imgtool recognises. */
    public enum Kind {
        /** "Kernel panic - not syncing": the guest is dead; QEMU is stopped at once. */
        KERNEL_PANIC(true),
        /** The firmware found nothing to boot (SeaBIOS "No bootable device.", OVMF's equivalent); stopped at once. */
        NO_BOOTABLE_DEVICE(true),
        /** systemd's emergency or rescue mode, an initramfs or dracut shell: nobody will type; stopped at once. */
        EMERGENCY_SHELL(true),
        /** cloud-init reported a failed module; the guest goes on (and powers off), the run fails. */
        CLOUD_INIT_ERROR(false),
        /** The --script wrapper reported a non-zero exit status; the guest powers off, the run fails. */
        SCRIPT_FAILED(false);

        private final boolean fatal;

        Kind(boolean fatal) {
            this.fatal = fatal;
        }

        /** Whether the guest cannot recover, so waiting for power-off is pointless. */
        public boolean fatal() {
            return fatal;
        }
    }
}
