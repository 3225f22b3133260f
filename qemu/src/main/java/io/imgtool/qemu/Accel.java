package io.imgtool.qemu;

/** How QEMU executes the guest's code. */
public enum Accel {
    /** KVM if a probe guest actually runs under it in time, otherwise TCG; the result says which and why. */
    AUTO,
    /** Hardware virtualisation through /dev/kvm. */
    KVM,
    /** QEMU's own binary translator: slower, works everywhere. */
    TCG;

    /** The name on QEMU's command line ({@code -accel kvm}). */
    public String qemuName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
