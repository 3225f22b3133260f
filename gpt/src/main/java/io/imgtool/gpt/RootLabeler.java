package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.UnsupportedFeatureException;
import io.imgtool.gpt.ondisk.GptEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives the root partition of a disk a GPT partition name, e.g. {@code SLX_SYS} for netboot setups
 * whose initramfs finds the root filesystem by {@code PARTLABEL}.
 *
 * <p>The root partition is, in this order: the one {@link Options#partition} names; the single
 * partition the {@link RootFsDetector} says holds a root filesystem; the single partition of the
 * generic Linux filesystem type or a Discoverable Partitions root type (among those the detector
 * did not rule out). More than one candidate is an error listing them; none is an error too.
 *
 * <p>Idempotent: when the name (and the filesystem label, if asked) is already right nothing is
 * written. {@link Options#dryRun} decides everything and writes nothing. Every check runs before the
 * first write.
 *
 * <pre>{@code
 * RootLabeler.Result r = RootLabeler.label(disk, RootLabeler.Options.builder("SLX_SYS").build());
 * }</pre>
 */
public final class RootLabeler {

    private RootLabeler() {
    }

    /**
     * What to do.
     *
     * @param name the GPT partition name to set (and the filesystem label with {@code fsLabel})
     * @param partition the partition number to use, 0 to find the root partition
     * @param sectorSize 512 or 4096, 0 to detect (512 when nothing tells)
     * @param dryRun decide and report, write nothing
     * @param fsLabel also set the filesystem's volume label (needs an {@link FsLabelWriter})
     * @param detector says which partitions hold a root filesystem
     * @param fsLabelWriter sets filesystem labels, or null when none is available
     */
    public record Options(String name, int partition, int sectorSize, boolean dryRun, boolean fsLabel,
                          RootFsDetector detector, FsLabelWriter fsLabelWriter) {

        public static Builder builder(String name) {
            return new Builder(name);
        }

        public static final class Builder {
            private final String name;
            private int partition;
            private int sectorSize;
            private boolean dryRun;
            private boolean fsLabel;
            private RootFsDetector detector = RootFsDetector.UNKNOWN;
            private FsLabelWriter fsLabelWriter;

            private Builder(String name) {
                this.name = name;
            }

            public Builder partition(int n) {
                this.partition = n;
                return this;
            }

            public Builder sectorSize(int s) {
                this.sectorSize = s;
                return this;
            }

            public Builder dryRun(boolean d) {
                this.dryRun = d;
                return this;
            }

            public Builder fsLabel(boolean f) {
                this.fsLabel = f;
                return this;
            }

            public Builder detector(RootFsDetector d) {
                this.detector = d;
                return this;
            }

            public Builder fsLabelWriter(FsLabelWriter w) {
                this.fsLabelWriter = w;
                return this;
            }

            public Options build() {
                return new Options(name, partition, sectorSize, dryRun, fsLabel, detector, fsLabelWriter);
            }
        }
    }

    /**
     * What was (or, on a dry run, would be) done.
     *
     * @param scheme GPT or MBR
     * @param partition the partition chosen, as it was before
     * @param reason why it was chosen
     * @param nameBefore the GPT name before (empty on MBR)
     * @param nameAfter the GPT name after
     * @param fsLabelBefore the filesystem label before, null when not asked
     * @param fsLabelAfter the filesystem label after, null when not asked
     * @param changed whether anything differs from before
     * @param written whether the image was written (false on dry runs and when nothing changed)
     */
    public record Result(PartitionTable.Scheme scheme, Partition partition, String reason, String nameBefore,
                         String nameAfter, String fsLabelBefore, String fsLabelAfter, boolean changed,
                         boolean written) {
    }

    /** Labels the root partition of {@code disk} (writable unless {@code dryRun}). */
    public static Result label(BlockDevice disk, Options o) throws IOException {
        if (o.name() == null || o.name().isEmpty()) {
            throw ImageException.invalidArgument("the partition name must not be empty");
        }
        try {
            GptEntry.encodeName(o.name());
        } catch (IllegalArgumentException e) {
            throw ImageException.invalidArgument(e.getMessage());
        }
        if (o.fsLabel()) {
            if (o.fsLabelWriter() == null) {
                throw new UnsupportedFeatureException("filesystem", "fs-label",
                        "setting the filesystem label needs the ext4 writer, which is not available yet");
            }
            o.fsLabelWriter().checkLabel(o.name());
        }
        int sectorSize = o.sectorSize() != 0 ? o.sectorSize() : PartitionTable.detectSectorSize(disk).orElse(512);
        PartitionTable table = PartitionTable.read(disk, sectorSize);
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            throw ImageException.invalidArgument("the disk has no partition table, so no partition to name"
                    + (o.fsLabel() ? "" : "; a filesystem on the whole disk is labelled with --fs-label"));
        }
        if (table.scheme() == PartitionTable.Scheme.MBR && !o.fsLabel()) {
            throw ImageException.invalidArgument("the disk has an MBR partition table, and MBR partitions have no "
                    + "names; use --fs-label to set the root filesystem's label instead");
        }
        Partition chosen;
        String reason;
        if (o.partition() != 0) {
            chosen = table.partition(o.partition());
            if (chosen instanceof MbrPartition m && m.kind() == MbrPartition.Kind.EXTENDED) {
                throw ImageException.invalidArgument("partition " + o.partition()
                        + " is an extended partition, a container for logical partitions");
            }
            reason = "chosen with --partition";
        } else {
            Choice c = findRoot(disk, table, o.detector());
            chosen = c.partition;
            reason = c.reason;
        }
        String nameBefore = chosen.name();
        String nameAfter = table.scheme() == PartitionTable.Scheme.GPT ? o.name() : "";
        String fsBefore = null;
        String fsAfter = null;
        if (o.fsLabel()) {
            try (BlockDevice part = chosen.open(disk)) {
                fsBefore = o.fsLabelWriter().label(part);
            }
            fsAfter = o.name();
        }
        boolean nameChanges = !nameBefore.equals(nameAfter);
        boolean fsChanges = o.fsLabel() && !fsBefore.equals(fsAfter);
        boolean written = false;
        if (!o.dryRun() && (nameChanges || fsChanges)) {
            GptTable renamed = null;
            if (nameChanges) {
                renamed = ((GptTable) table).rename(chosen.number(), o.name());
                renamed.validate(disk.size() / sectorSize);
            }
            if (renamed != null) {
                renamed.write(disk);
            }
            if (fsChanges) {
                try (BlockDevice part = chosen.open(disk)) {
                    o.fsLabelWriter().setLabel(part, o.name());
                }
            }
            disk.flush();
            written = true;
        }
        return new Result(table.scheme(), chosen, reason, nameBefore, nameAfter, fsBefore, fsAfter,
                nameChanges || fsChanges, written);
    }

    /** The partition chosen as the root partition, and why. */
    public record Choice(Partition partition, String reason) {
    }

    private static boolean excludedByType(Partition p) {
        if (p instanceof GptPartition g) {
            PartitionType t = g.type();
            return t.equals(PartitionType.ESP) || t.equals(PartitionType.BIOS_BOOT) || t.equals(PartitionType.SWAP);
        }
        MbrPartition m = (MbrPartition) p;
        return m.kind() == MbrPartition.Kind.EXTENDED || m.type() == 0x82 || m.type() == 0xEF;
    }

    private static boolean fallbackType(Partition p) {
        if (p instanceof GptPartition g) {
            return g.type().isLinuxDataOrRoot();
        }
        return MbrTypes.isLinux(((MbrPartition) p).type());
    }

    /**
     * Finds the root partition of {@code disk}: the single partition the detector says holds a root
     * filesystem, else the single Linux-data or root-type partition. Several candidates, or none, are
     * an {@link ImageException.Kind#INVALID_ARGUMENT} error that lists the partitions.
     */
    public static Choice findRoot(BlockDevice disk, PartitionTable table, RootFsDetector detector)
            throws IOException {
        List<Partition> yes = new ArrayList<>();
        List<Partition> notNo = new ArrayList<>();
        List<Partition> ruledOut = new ArrayList<>();
        for (Partition p : table.partitions()) {
            if (excludedByType(p) || p.firstLba() < 0 || p.lastLba() < p.firstLba()
                    || p.lastLba() >= disk.size() / p.sectorSize()) {
                continue;
            }
            RootFsDetector.Answer a;
            try (BlockDevice part = p.open(disk)) {
                a = detector.isRootFilesystem(part);
            }
            if (a == RootFsDetector.Answer.YES) {
                yes.add(p);
            } else if (a == RootFsDetector.Answer.UNKNOWN) {
                notNo.add(p);
            } else {
                ruledOut.add(p);
            }
        }
        if (yes.size() == 1) {
            return new Choice(yes.get(0), "it holds the only root filesystem");
        }
        if (yes.size() > 1) {
            throw ambiguous("partitions hold a root filesystem", yes);
        }
        // Fallback by partition type: prefer partitions the detector could not rule out; when it
        // ruled out every typed partition (say, an empty or unrecognised filesystem), the partition
        // type alone decides, as the rule "else the single Linux-data partition" says.
        List<Partition> typed = notNo.stream().filter(RootLabeler::fallbackType).toList();
        if (typed.isEmpty()) {
            typed = ruledOut.stream().filter(RootLabeler::fallbackType).toList();
        }
        if (typed.size() == 1) {
            return new Choice(typed.get(0), table.scheme() == PartitionTable.Scheme.GPT
                    ? "it is the only Linux filesystem or root-type partition"
                    : "it is the only Linux (0x83) partition");
        }
        if (typed.isEmpty()) {
            throw ImageException.invalidArgument("no root partition found: no partition holds a recognised root "
                    + "filesystem or has the Linux filesystem type or a root partition type; choose one with "
                    + "--partition N (partitions: " + describe(table.partitions()) + ")");
        }
        throw ambiguous("partitions could be the root partition", typed);
    }

    private static ImageException ambiguous(String what, List<Partition> ps) {
        return ImageException.invalidArgument(ps.size() + " " + what + ": " + describe(ps)
                + "; choose one with --partition N");
    }

    private static String describe(List<? extends Partition> ps) {
        StringBuilder sb = new StringBuilder();
        for (Partition p : ps) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.number()).append(" (").append(p.typeDescription())
                    .append(", LBA ").append(p.firstLba()).append("..").append(p.lastLba());
            if (!p.name().isEmpty()) {
                sb.append(", '").append(p.name()).append("'");
            }
            sb.append(')');
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
