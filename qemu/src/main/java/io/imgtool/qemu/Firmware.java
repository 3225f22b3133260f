package io.imgtool.qemu;

/** What starts the guest when no kernel is given: the PC BIOS or UEFI. */
public enum Firmware {
    /** SeaBIOS, QEMU's default: boots the disk's MBR or a BIOS-boot GPT partition. */
    BIOS,
    /** OVMF (Debian package ovmf): boots the EFI system partition. */
    UEFI
}
