package io.imgtool.sysprep.inspect;

import io.imgtool.gpt.FilesystemProbe;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A partition of the guest's disk (or, number 0, the whole disk holding a bare filesystem) and what
 * the probe found in it.
 *
 * @param number the partition number as Linux numbers them (sda3 is 3); 0 for the whole disk
 * @param offset byte offset on the disk
 * @param size size in bytes
 * @param type the partition type in words ("Linux filesystem", "EFI system partition", "0x83 Linux"),
 *     "" for the whole disk
 * @param typeId the GPT type GUID, or the MBR type byte ("0x83"), "" for the whole disk
 * @param name the GPT partition name (PARTLABEL), "" when none
 * @param partuuid the GPT partition GUID, or the MBR disk signature and number ("1a2b3c4d-01"),
 *     lower case as blkid prints it; "" for the whole disk
 * @param filesystem what the probe found, or null when nothing known
 */
public record GuestPartition(int number, long offset, long size, String type, String typeId, String name,
                             String partuuid, FilesystemProbe.Info filesystem) {

    /** The filesystem, if the probe knows it. */
    public Optional<FilesystemProbe.Info> fs() {
        return Optional.ofNullable(filesystem);
    }

    /** Whether it holds ext2/3/4. */
    public boolean isExt() {
        return filesystem != null && Ext4GuestVolume.TYPES.contains(filesystem.type());
    }

    /** "partition 3", or "the whole disk". */
    public String describe() {
        return number == 0 ? "the whole disk" : "partition " + number;
    }

    /** "ext4 on partition 3", "vfat on partition 15", "nothing known on partition 2". */
    public String describeWithFs() {
        return (filesystem == null ? "nothing known" : filesystem.type()) + " on " + describe();
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", number);
        m.put("offset", offset);
        m.put("size", size);
        m.put("type", type);
        m.put("type_id", typeId);
        m.put("name", name);
        m.put("partuuid", partuuid);
        if (filesystem != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("type", filesystem.type());
            f.put("label", filesystem.label());
            f.put("uuid", filesystem.uuid());
            m.put("filesystem", f);
        } else {
            m.put("filesystem", null);
        }
        return m;
    }
}
