package io.imgtool.sysprep.inspect;

import io.imgtool.sysprep.OsInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code imgtool inspect} reports about a guest image: the disk, its partitions and
 * filesystems, which one is the root, the guest's view assembled from its /etc/fstab, the OS,
 * kernels and cloud-init's state.
 *
 * @param diskSize virtual size in bytes
 * @param scheme "gpt", "mbr" or "none" (a bare filesystem)
 * @param diskId the GPT disk GUID or the MBR disk signature (8 hex digits), "" for none
 * @param sectorSize the logical sector size the table was read with
 * @param partitions every partition, with what the probe found
 * @param rootPartition the number of the partition holding the root filesystem (0: the whole disk)
 * @param rootReason why it was chosen
 * @param fstab every /etc/fstab entry and what imgtool made of it
 * @param os what /etc/os-release says
 * @param hostname /etc/hostname (first line), "" when missing
 * @param machineId /etc/machine-id: "missing", "empty", "uninitialized" or the id
 * @param kernels kernels found in /boot
 * @param cloudInit cloud-init's state
 * @param freeBytes free bytes of each filesystem imgtool opened, by mount point
 * @param warnings what could not be looked at, and why
 */
public record GuestInspection(long diskSize, String scheme, String diskId, int sectorSize,
                              List<GuestPartition> partitions, int rootPartition, String rootReason,
                              List<FstabMount> fstab, OsInfo os, String hostname, String machineId,
                              List<Kernel> kernels, CloudInitState cloudInit, Map<String, Long> freeBytes,
                              List<String> warnings) {

    public GuestInspection {
        partitions = List.copyOf(partitions);
        fstab = List.copyOf(fstab);
        kernels = List.copyOf(kernels);
        freeBytes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(freeBytes));
        warnings = List.copyOf(warnings);
    }

    /** What became of one fstab entry. */
    public enum MountStatus {
        /** The root filesystem. */
        ROOT,
        /** An ext2/3/4 filesystem of the image, opened and mounted into the guest's view. */
        MOUNTED,
        /** A filesystem of the image imgtool cannot open (vfat, xfs...): left alone; paths on it fail. */
        NOT_OPENED,
        /** A swap area of the image. */
        SWAP,
        /** Not a disk filesystem (proc, tmpfs, network), or a bind mount: nothing to do. */
        VIRTUAL,
        /** {@code noauto}: not mounted at boot, so not part of the view. */
        NOAUTO,
        /** Names no partition of the image, but {@code nofail}: the guest boots without it. */
        MISSING_NOFAIL
    }

    /**
     * One fstab entry.
     *
     * @param entry the entry as written
     * @param partition the partition it names, 0 for the whole disk, -1 for none
     * @param status what imgtool did with it
     * @param note a short explanation ("" when none)
     */
    public record FstabMount(Fstab.Entry entry, int partition, MountStatus status, String note) {
    }

    /**
     * A kernel in /boot.
     *
     * @param version the version from the file name ("6.1.0-26-cloud-amd64")
     * @param kernel the guest path of the kernel image
     * @param initrd the guest path of its initramfs, "" when none
     */
    public record Kernel(String version, String kernel, String initrd) {
    }

    /**
     * cloud-init's state.
     *
     * @param installed whether /usr/bin/cloud-init exists
     * @param disabled whether /etc/cloud/cloud-init.disabled exists
     * @param hasRun whether instance state exists (it ran on the template and will not run again for
     *     the same instance id; sealing removes it)
     * @param instanceId the last instance id, "" when none
     * @param datasource the datasource of the last run (result.json), "" when unknown
     * @param errors errors the last run recorded
     */
    public record CloudInitState(boolean installed, boolean disabled, boolean hasRun, String instanceId,
                                 String datasource, List<String> errors) {
        public CloudInitState {
            errors = List.copyOf(errors);
        }
    }

    /** The partition holding the root filesystem. */
    public GuestPartition root() {
        return partitions.stream().filter(p -> p.number() == rootPartition).findFirst().orElseThrow();
    }

    /** A JSON-ready map (for core Json). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("size", diskSize);
        disk.put("scheme", scheme);
        disk.put("id", diskId);
        disk.put("sector_size", sectorSize);
        m.put("disk", disk);
        List<Object> ps = new ArrayList<>();
        for (GuestPartition p : partitions) {
            Map<String, Object> pm = p.toJson();
            pm.put("root", p.number() == rootPartition);
            String mp = mountPointOf(p.number());
            pm.put("mount_point", mp);
            ps.add(pm);
        }
        m.put("partitions", ps);
        m.put("root_partition", rootPartition);
        m.put("root_reason", rootReason);
        Map<String, Object> osm = new LinkedHashMap<>();
        osm.put("family", os.family().label());
        osm.put("id", os.id());
        osm.put("version_id", os.versionId());
        osm.put("pretty_name", os.prettyName());
        m.put("os", osm);
        m.put("hostname", hostname);
        m.put("machine_id", machineId);
        List<Object> fs = new ArrayList<>();
        for (FstabMount f : fstab) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("line", f.entry().line());
            e.put("spec", f.entry().spec());
            e.put("mount_point", f.entry().mountPoint());
            e.put("type", f.entry().type());
            e.put("options", String.join(",", f.entry().options()));
            e.put("partition", f.partition() < 0 ? null : f.partition());
            e.put("status", f.status().name().toLowerCase(java.util.Locale.ROOT));
            e.put("note", f.note());
            fs.add(e);
        }
        m.put("fstab", fs);
        List<Object> ks = new ArrayList<>();
        for (Kernel k : kernels) {
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("version", k.version());
            km.put("kernel", k.kernel());
            km.put("initrd", k.initrd());
            ks.add(km);
        }
        m.put("kernels", ks);
        Map<String, Object> ci = new LinkedHashMap<>();
        ci.put("installed", cloudInit.installed());
        ci.put("disabled", cloudInit.disabled());
        ci.put("has_run", cloudInit.hasRun());
        ci.put("instance_id", cloudInit.instanceId());
        ci.put("datasource", cloudInit.datasource());
        ci.put("errors", cloudInit.errors());
        m.put("cloud_init", ci);
        m.put("free_bytes", freeBytes);
        m.put("warnings", warnings);
        return m;
    }

    /** The mount point of a partition in the guest's view ("/" for the root), "" when not mounted. */
    public String mountPointOf(int partition) {
        if (partition == rootPartition) {
            return "/";
        }
        for (FstabMount f : fstab) {
            if (f.partition() == partition && (f.status() == MountStatus.MOUNTED || f.status() == MountStatus.NOT_OPENED)) {
                return f.entry().mountPoint();
            }
        }
        return "";
    }

    /** A human description, one fact a line. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("disk: ").append(io.imgtool.core.Sizes.human(diskSize)).append(", ")
                .append(scheme.equals("none") ? "no partition table (a bare filesystem)" : scheme.toUpperCase(java.util.Locale.ROOT))
                .append(diskId.isEmpty() ? "" : " " + diskId).append('\n');
        for (GuestPartition p : partitions) {
            sb.append(String.format("  %-3s %10s  %-22s", p.number() == 0 ? "-" : Integer.toString(p.number()),
                    io.imgtool.core.Sizes.human(p.size()), p.type().isEmpty() ? "(whole disk)" : p.type()));
            if (p.filesystem() != null) {
                sb.append("  ").append(p.filesystem().type());
                if (!p.filesystem().label().isEmpty()) {
                    sb.append(" label=").append(p.filesystem().label());
                }
                if (!p.filesystem().uuid().isEmpty()) {
                    sb.append(" uuid=").append(p.filesystem().uuid());
                }
            }
            if (!p.name().isEmpty()) {
                sb.append(" partlabel=").append(p.name());
            }
            String mp = mountPointOf(p.number());
            if (!mp.isEmpty()) {
                sb.append("  on ").append(mp);
            }
            Long free = freeBytes.get(mp);
            if (free != null) {
                sb.append(" (").append(io.imgtool.core.Sizes.human(free)).append(" free)");
            }
            sb.append('\n');
        }
        sb.append("root: ").append(root().describe()).append(" (").append(rootReason).append(")\n");
        sb.append("os: ").append(os.prettyName()).append(" (family ").append(os.family().label())
                .append(os.versionId().isEmpty() ? "" : ", version " + os.versionId()).append(")\n");
        sb.append("hostname: ").append(hostname.isEmpty() ? "(none)" : hostname).append('\n');
        sb.append("machine-id: ").append(machineId).append('\n');
        sb.append("fstab:").append(fstab.isEmpty() ? " (none)" : "").append('\n');
        for (FstabMount f : fstab) {
            sb.append("  ").append(f.entry().mountPoint()).append("  ").append(f.entry().spec()).append("  ")
                    .append(f.entry().type()).append("  -> ").append(f.status().name().toLowerCase(java.util.Locale.ROOT)
                            .replace('_', ' '));
            if (f.partition() >= 0) {
                sb.append(" (").append(f.partition() == 0 ? "whole disk" : "partition " + f.partition()).append(')');
            }
            if (!f.note().isEmpty()) {
                sb.append(": ").append(f.note());
            }
            sb.append('\n');
        }
        sb.append("kernels:").append(kernels.isEmpty() ? " (none)" : "").append('\n');
        for (Kernel k : kernels) {
            sb.append("  ").append(k.version()).append("  ").append(k.kernel())
                    .append(k.initrd().isEmpty() ? "" : "  " + k.initrd()).append('\n');
        }
        sb.append("cloud-init: ").append(!cloudInit.installed() ? "not installed"
                : (cloudInit.disabled() ? "installed, disabled" : "installed")
                + (cloudInit.hasRun() ? ", has run (instance " + (cloudInit.instanceId().isEmpty() ? "?" : cloudInit.instanceId())
                + (cloudInit.datasource().isEmpty() ? "" : ", " + cloudInit.datasource())
                + (cloudInit.errors().isEmpty() ? "" : ", " + cloudInit.errors().size() + " errors") + ")"
                : ", has not run")).append('\n');
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }
}
