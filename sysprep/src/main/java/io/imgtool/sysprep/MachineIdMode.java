package io.imgtool.sysprep;

/** What sealing leaves in {@code /etc/machine-id} (machine-id(5)). */
public enum MachineIdMode {
    /** An empty file: systemd generates a new id at boot and keeps it. */
    EMPTY,
    /** The text "uninitialized": systemd's first-boot marker (units run their first-boot logic). */
    UNINITIALIZED
}
