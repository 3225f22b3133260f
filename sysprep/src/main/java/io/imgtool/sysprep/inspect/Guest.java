package io.imgtool.sysprep.inspect;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.SliceDevice;
import io.imgtool.gpt.FilesystemProbe;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.MbrPartition;
import io.imgtool.gpt.MbrTable;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.RootLabeler;
import io.imgtool.qemu.CloudInitResult;
import io.imgtool.sysprep.ChangeRecorder;
import io.imgtool.sysprep.Ext4RootDetector;
import io.imgtool.sysprep.GuestContext;
import io.imgtool.sysprep.GuestFiles;
import io.imgtool.sysprep.GuestResolver;
import io.imgtool.sysprep.OsInfo;
import io.imgtool.sysprep.Sysprep;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest image opened as the guest sees itself: its partition table read, every partition probed,
 * the root filesystem found, and the other filesystems its {@code /etc/fstab} mounts (by UUID,
 * LABEL, PARTUUID, PARTLABEL or device name) opened and mounted into one view, which sealing
 * operations use through {@link #sysprep()} (paths under {@code /var} go to the {@code /var}
 * filesystem). Filesystems imgtool cannot open (vfat, xfs...) are reported and left alone; a path on
 * one of them fails clearly. An fstab entry that names a partition the image lacks is an error
 * unless the entry says {@code nofail}.
 *
 * <pre>{@code
 * try (BlockDevice disk = DiskImage.open(image, false);
 *      Guest g = Guest.open(disk, Guest.Options.builder().build())) {
 *     System.out.print(g.inspection().toText());
 *     SysprepReport r = g.sysprep().dryRun(true).run();
 * }
 * }</pre>
 *
 * <p>Closing the guest closes its volumes (writable ones write their changes then), not the disk.
 */
public final class Guest implements Closeable {

    /** How to open. */
    public static final class Options {
        private final boolean writable;
        private final VolumeOpener opener;
        private final int rootPartition;

        private Options(Builder b) {
            writable = b.writable;
            opener = b.opener;
            rootPartition = b.rootPartition;
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Builder. */
        public static final class Builder {
            private boolean writable;
            private VolumeOpener opener = Ext4GuestVolume.OPENER;
            private int rootPartition = -1;

            private Builder() {
            }

            /** Open the filesystems for writing (the disk must be writable). Default: read-only. */
            public Builder writable(boolean w) {
                writable = w;
                return this;
            }

            /** How filesystems are opened (default {@link Ext4GuestVolume#OPENER}). */
            public Builder opener(VolumeOpener o) {
                opener = Objects.requireNonNull(o);
                return this;
            }

            /** The root partition's number, instead of finding it (0: the whole disk). */
            public Builder rootPartition(int n) {
                rootPartition = n;
                return this;
            }

            public Options build() {
                return new Options(this);
            }
        }
    }

    /** A filesystem of the guest opened by imgtool, and where the guest mounts it. */
    public record MountedVolume(GuestPartition partition, String mountPoint, GuestVolume volume) {
    }

    private final BlockDevice disk;
    private final PartitionTable table;
    private final List<MountedVolume> volumes;
    private final List<GuestResolver.Mount> mounts;
    private final GuestInspection inspection;

    private Guest(BlockDevice disk, PartitionTable table, List<MountedVolume> volumes, List<GuestResolver.Mount> mounts,
                  GuestInspection inspection) {
        this.disk = disk;
        this.table = table;
        this.volumes = List.copyOf(volumes);
        this.mounts = List.copyOf(mounts);
        this.inspection = inspection;
    }

    /** Inspects {@code disk} read-only and closes what it opened. */
    public static GuestInspection inspect(BlockDevice disk) throws IOException {
        try (Guest g = open(disk, Options.builder().build())) {
            return g.inspection();
        }
    }

    /** Opens the guest on {@code disk}. */
    public static Guest open(BlockDevice disk, Options o) throws IOException {
        List<String> warnings = new ArrayList<>();
        int sectorSize = PartitionTable.detectSectorSize(disk).orElse(512);
        PartitionTable table = PartitionTable.read(disk, sectorSize);
        List<GuestPartition> parts = partitions(disk, table, warnings);
        GuestPartition root;
        String rootReason;
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            if (parts.isEmpty()) {
                throw new ImageException(ImageException.Kind.CORRUPT,
                        "the disk holds neither a partition table nor an ext2/ext3/ext4 filesystem");
            }
            root = parts.get(0);
            rootReason = "the disk holds a filesystem without a partition table";
        } else if (o.rootPartition >= 0) {
            int n = o.rootPartition;
            root = parts.stream().filter(p -> p.number() == n).findFirst()
                    .orElseThrow(() -> ImageException.invalidArgument("partition " + n + " does not exist"));
            rootReason = "chosen by the caller";
        } else {
            RootLabeler.Choice c;
            try {
                c = RootLabeler.findRoot(disk, table, new Ext4RootDetector());
            } catch (ImageException e) {
                for (GuestPartition p : parts) {
                    if (p.filesystem() != null && (p.filesystem().type().equals("LVM2_member")
                            || p.filesystem().type().equals("crypto_LUKS"))) {
                        throw new io.imgtool.core.UnsupportedFeatureException(p.describe(), p.filesystem().type(),
                                "the root filesystem may be inside it; imgtool reads plain partitions only ("
                                        + e.getMessage() + ")");
                    }
                }
                throw e;
            }
            int n = c.partition().number();
            root = parts.stream().filter(p -> p.number() == n).findFirst().orElseThrow();
            rootReason = c.reason();
        }
        if (!root.isExt()) {
            throw new io.imgtool.core.UnsupportedFeatureException(root.describe(),
                    "root filesystem " + (root.filesystem() == null ? "(unknown)" : root.filesystem().type()),
                    "imgtool opens ext2, ext3 and ext4 root filesystems");
        }
        List<MountedVolume> volumes = new ArrayList<>();
        boolean ok = false;
        try {
            GuestVolume rootVolume = openVolume(disk, root, "/", o);
            volumes.add(new MountedVolume(root, "/", rootVolume));
            Path rootPath = rootVolume.fileSystem().getPath("/");
            GuestFiles rootOnly = readOnlyFiles(new GuestResolver(rootPath));
            Fstab fstab = Fstab.parse("", "/etc/fstab");
            if (rootOnly.typeFollow("/etc/fstab") == GuestFiles.Type.FILE) {
                fstab = Fstab.parse(new String(rootOnly.read("/etc/fstab"), StandardCharsets.UTF_8), "/etc/fstab");
            } else {
                warnings.add("the guest has no /etc/fstab: only the root filesystem is used");
            }
            List<GuestInspection.FstabMount> plan = new ArrayList<>();
            Map<String, GuestResolver.Mount> byPoint = new TreeMap<>();
            for (Fstab.Entry e : fstab.entries()) {
                plan.add(planEntry(e, parts, root, disk, o, volumes, byPoint, warnings));
            }
            List<GuestResolver.Mount> mounts = new ArrayList<>(byPoint.values());
            GuestResolver resolver = new GuestResolver(rootPath, mounts);
            GuestFiles files = readOnlyFiles(resolver);
            OsInfo os = GuestContext.detectOs(files);
            Map<String, Long> free = new LinkedHashMap<>();
            for (MountedVolume v : volumes) {
                long bytes = 0;
                for (io.imgtool.core.Extent x : v.volume().freeExtents()) {
                    bytes += x.length();
                }
                String note = v.volume().freeSpaceNote();
                if (!note.isEmpty()) {
                    warnings.add(v.partition().describeWithFs() + ": " + note);
                } else {
                    free.put(v.mountPoint(), bytes);
                }
            }
            GuestInspection insp = new GuestInspection(disk.size(), table.scheme().name().toLowerCase(Locale.ROOT),
                    diskId(table), table.sectorSize(), parts, root.number(), rootReason, plan, os,
                    firstLine(files, "/etc/hostname"), machineId(files), kernels(files, warnings), cloudInit(files),
                    free, warnings);
            ok = true;
            return new Guest(disk, table, volumes, mounts, insp);
        } finally {
            if (!ok) {
                closeAll(volumes);
            }
        }
    }

    // ---- accessors -------------------------------------------------------------------------------

    /** The guest's "/" (the root filesystem's root). */
    public Path root() {
        return volumes.get(0).volume().fileSystem().getPath("/");
    }

    /** The other filesystems in the guest's view (including those imgtool cannot open). */
    public List<GuestResolver.Mount> mounts() {
        return mounts;
    }

    /** The filesystems imgtool opened, the root first. */
    public List<MountedVolume> volumes() {
        return volumes;
    }

    /** What inspection found. */
    public GuestInspection inspection() {
        return inspection;
    }

    /** The partition table as read. */
    public PartitionTable table() {
        return table;
    }

    /** The disk (not closed by {@link #close}). */
    public BlockDevice disk() {
        return disk;
    }

    /** A sealing run over the guest's whole view (root and mounts), ready for selection and options. */
    public Sysprep.Builder sysprep() {
        return Sysprep.builder().root(root()).mounts(mounts).os(inspection.os());
    }

    /** Closes the volumes, mounted ones first (their changes reach the disk), then the root. */
    @Override
    public void close() throws IOException {
        closeAll(volumes);
    }

    private static void closeAll(List<MountedVolume> volumes) throws IOException {
        IOException first = null;
        for (int i = volumes.size() - 1; i >= 0; i--) {
            try {
                volumes.get(i).volume().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ---- partitions ------------------------------------------------------------------------------

    private static List<GuestPartition> partitions(BlockDevice disk, PartitionTable table, List<String> warnings)
            throws IOException {
        List<GuestPartition> out = new ArrayList<>();
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            Optional<FilesystemProbe.Info> fs = FilesystemProbe.probe(disk);
            if (fs.isPresent()) {
                out.add(new GuestPartition(0, 0, disk.size(), "", "", "", "", fs.get()));
            }
            return out;
        }
        for (Partition p : table.partitions()) {
            if (p instanceof MbrPartition m && m.kind() == MbrPartition.Kind.EXTENDED) {
                continue;
            }
            FilesystemProbe.Info fs = null;
            try (BlockDevice part = p.open(disk)) {
                fs = FilesystemProbe.probe(part).orElse(null);
            } catch (ImageException e) {
                if (e.kind() != ImageException.Kind.OUT_OF_RANGE) {
                    throw e;
                }
                warnings.add("partition " + p.number() + " lies beyond the end of the disk; not probed");
            }
            String typeId;
            String partuuid;
            if (p instanceof GptPartition g) {
                typeId = g.type().guid().toString().toUpperCase(Locale.ROOT);
                partuuid = g.partitionGuid().toString().toLowerCase(Locale.ROOT);
            } else {
                MbrPartition m = (MbrPartition) p;
                typeId = String.format("0x%02x", m.type());
                partuuid = String.format("%08x-%02x", ((MbrTable) table).diskSignature(), m.number());
            }
            out.add(new GuestPartition(p.number(), p.offset(), p.size(), p.typeDescription(), typeId, p.name(),
                    partuuid, fs));
        }
        return out;
    }

    private static String diskId(PartitionTable t) {
        if (t instanceof GptTable g) {
            return g.diskGuid().toString().toUpperCase(Locale.ROOT);
        }
        if (t instanceof MbrTable m) {
            return String.format("%08x", m.diskSignature());
        }
        return "";
    }

    private static BlockDevice deviceOf(BlockDevice disk, GuestPartition p) throws ImageException {
        return SliceDevice.of(disk, p.offset(), p.size());
    }

    private static GuestVolume openVolume(BlockDevice disk, GuestPartition p, String mountPoint, Options o)
            throws IOException {
        try {
            GuestVolume v = o.opener.open(deviceOf(disk, p), p.filesystem(), o.writable);
            if (v == null) {
                throw new io.imgtool.core.UnsupportedFeatureException(p.describe(), p.filesystem().type() + " filesystem",
                        "no opener for it");
            }
            return v;
        } catch (ImageException e) {
            throw new ImageException(e.kind(), p.describeWithFs() + " (mounted at " + mountPoint + "): "
                    + e.getMessage(), e);
        }
    }

    // ---- fstab -----------------------------------------------------------------------------------

    private static GuestInspection.FstabMount planEntry(Fstab.Entry e, List<GuestPartition> parts, GuestPartition root,
                                                        BlockDevice disk, Options o, List<MountedVolume> volumes,
                                                        Map<String, GuestResolver.Mount> byPoint, List<String> warnings)
            throws IOException {
        if (e.virtual() || e.bind()) {
            return new GuestInspection.FstabMount(e, -1, GuestInspection.MountStatus.VIRTUAL,
                    e.bind() ? "bind mount" : "not a filesystem of the disk");
        }
        Optional<GuestPartition> found = DeviceSpec.find(e.spec(), parts, root);
        int number = found.map(GuestPartition::number).orElse(-1);
        if (e.swap()) {
            if (found.isEmpty()) {
                warnings.add("/etc/fstab line " + e.line() + ": swap " + e.spec() + " names no partition of this image");
                return new GuestInspection.FstabMount(e, -1, GuestInspection.MountStatus.MISSING_NOFAIL,
                        "no such partition; the guest boots without this swap");
            }
            return new GuestInspection.FstabMount(e, number, GuestInspection.MountStatus.SWAP, "");
        }
        String point = e.mountPoint();
        if (!point.startsWith("/")) {
            warnings.add("/etc/fstab line " + e.line() + ": mount point '" + point + "' is not absolute; ignored");
            return new GuestInspection.FstabMount(e, number, GuestInspection.MountStatus.VIRTUAL, "not an absolute mount point");
        }
        String norm = normalise(point);
        if (norm.equals("/")) {
            if (found.isPresent() && found.get().number() != root.number()) {
                warnings.add("/etc/fstab line " + e.line() + ": '/' names " + found.get().describe()
                        + ", but the root filesystem was found on " + root.describe());
            }
            return new GuestInspection.FstabMount(e, root.number(), GuestInspection.MountStatus.ROOT, "");
        }
        if (e.noauto()) {
            return new GuestInspection.FstabMount(e, number, GuestInspection.MountStatus.NOAUTO,
                    "not mounted at boot; left alone");
        }
        if (found.isEmpty()) {
            if (e.nofail()) {
                return new GuestInspection.FstabMount(e, -1, GuestInspection.MountStatus.MISSING_NOFAIL,
                        "names no partition of this image; nofail: the guest boots without it");
            }
            throw new ImageFormatException("guest /etc/fstab", "line " + e.line(), -1, e.spec(),
                    "the entry for " + point + " names no partition of this image (partitions: " + describe(parts)
                            + "); the guest would not boot without it. Add 'nofail' to the entry if it is optional");
        }
        GuestPartition p = found.get();
        if (p.number() == root.number()) {
            warnings.add("/etc/fstab line " + e.line() + ": " + point + " names the root filesystem again; ignored");
            return new GuestInspection.FstabMount(e, p.number(), GuestInspection.MountStatus.VIRTUAL,
                    "the root filesystem again");
        }
        if (byPoint.containsKey(norm)) {
            warnings.add("/etc/fstab line " + e.line() + ": a second filesystem on " + norm + "; the first one is used");
            return new GuestInspection.FstabMount(e, p.number(), GuestInspection.MountStatus.NOAUTO, "mount point already used");
        }
        boolean ext = p.isExt() && (e.type().equals("auto") || Ext4GuestVolume.TYPES.contains(e.type()));
        if (!ext) {
            String what = (p.filesystem() == null ? e.type() : p.filesystem().type()) + " on " + p.describe();
            byPoint.put(norm, GuestResolver.Mount.unavailable(norm, what));
            return new GuestInspection.FstabMount(e, p.number(), GuestInspection.MountStatus.NOT_OPENED,
                    "imgtool cannot open " + what + "; left alone");
        }
        GuestVolume v = openVolume(disk, p, norm, o);
        volumes.add(new MountedVolume(p, norm, v));
        byPoint.put(norm, GuestResolver.Mount.of(norm, v.fileSystem().getPath("/"), p.describeWithFs()));
        return new GuestInspection.FstabMount(e, p.number(), GuestInspection.MountStatus.MOUNTED, "");
    }

    private static String normalise(String point) {
        StringBuilder sb = new StringBuilder();
        for (String s : point.split("/")) {
            if (!s.isEmpty() && !s.equals(".")) {
                sb.append('/').append(s);
            }
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    private static String describe(List<GuestPartition> parts) {
        StringBuilder sb = new StringBuilder();
        for (GuestPartition p : parts) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.number() == 0 ? "whole disk" : Integer.toString(p.number()));
            if (p.filesystem() != null) {
                sb.append(' ').append(p.filesystem().type());
                if (!p.filesystem().uuid().isEmpty()) {
                    sb.append(" UUID=").append(p.filesystem().uuid());
                }
                if (!p.filesystem().label().isEmpty()) {
                    sb.append(" LABEL=").append(p.filesystem().label());
                }
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    // ---- facts from the guest's files ------------------------------------------------------------

    private static GuestFiles readOnlyFiles(GuestResolver r) {
        return new GuestFiles(r, new ChangeRecorder(), true, null);
    }

    private static String firstLine(GuestFiles f, String path) throws IOException {
        if (f.typeFollow(path) != GuestFiles.Type.FILE || f.size(path) > 4096) {
            return "";
        }
        String s = new String(f.read(path), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).strip();
    }

    private static String machineId(GuestFiles f) throws IOException {
        if (f.typeFollow("/etc/machine-id") != GuestFiles.Type.FILE) {
            return "missing";
        }
        if (f.size("/etc/machine-id") == 0) {
            return "empty";
        }
        String s = firstLine(f, "/etc/machine-id");
        return s.isEmpty() ? "empty" : s;
    }

    private static final Pattern KERNEL = Pattern.compile("(?:vmlinuz|vmlinux|kernel)-(.+)");
    private static final Pattern INITRD = Pattern.compile("(?:initrd\\.img-(.+)|initramfs-(.+)\\.img|initrd-(.+)\\.img|initrd-(.+))");

    private static List<GuestInspection.Kernel> kernels(GuestFiles f, List<String> warnings) throws IOException {
        List<String> names;
        try {
            names = f.list("/boot");
        } catch (io.imgtool.core.UnsupportedFeatureException e) {
            warnings.add("kernels not listed: " + e.getMessage());
            return List.of();
        }
        Map<String, String> initrds = new TreeMap<>();
        for (String p : names) {
            Matcher m = INITRD.matcher(p.substring(p.lastIndexOf('/') + 1));
            if (m.matches() && !p.endsWith(".old") && f.typeFollow(p) == GuestFiles.Type.FILE) {
                for (int g = 1; g <= 4; g++) {
                    if (m.group(g) != null) {
                        initrds.putIfAbsent(m.group(g), p);
                    }
                }
            }
        }
        List<GuestInspection.Kernel> out = new ArrayList<>();
        for (String p : names) {
            Matcher m = KERNEL.matcher(p.substring(p.lastIndexOf('/') + 1));
            if (m.matches() && f.typeFollow(p) == GuestFiles.Type.FILE) {
                out.add(new GuestInspection.Kernel(m.group(1), p, initrds.getOrDefault(m.group(1), "")));
            }
        }
        return out;
    }

    private static GuestInspection.CloudInitState cloudInit(GuestFiles f) throws IOException {
        boolean installed = f.typeFollow("/usr/bin/cloud-init") == GuestFiles.Type.FILE;
        boolean disabled = f.exists("/etc/cloud/cloud-init.disabled");
        boolean hasRun = f.exists("/var/lib/cloud/instance") || !f.list("/var/lib/cloud/instances").isEmpty()
                || f.exists("/var/lib/cloud/data/instance-id");
        String id = firstLine(f, "/var/lib/cloud/data/instance-id");
        String ds = "";
        List<String> errors = List.of();
        if (f.typeFollow(CloudInitResult.GUEST_PATH) == GuestFiles.Type.FILE
                && f.size(CloudInitResult.GUEST_PATH) <= CloudInitResult.MAX_SIZE) {
            try {
                CloudInitResult r = CloudInitResult.parse(f.read(CloudInitResult.GUEST_PATH));
                ds = r.datasource() == null ? "" : r.datasource();
                errors = r.errors();
            } catch (ImageFormatException e) {
                errors = List.of("unreadable " + CloudInitResult.GUEST_PATH + ": " + e.getMessage());
            }
        }
        return new GuestInspection.CloudInitState(installed, disabled, hasRun, id, ds, errors);
    }
}
