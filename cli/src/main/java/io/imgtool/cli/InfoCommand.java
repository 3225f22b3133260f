package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Json;
import io.imgtool.core.Sizes;
import io.imgtool.qcow2.ImageInfo;
import io.imgtool.qcow2.Qcow2Image;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgtool info}: like {@code qemu-img info}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show format, sizes, features, backing file and snapshots of a disk image (like qemu-img info).")
public final class InfoCommand implements Callable<Integer> {

    @Mixin
    JsonOption json;

    @Option(names = {"-f", "--format"}, description = "Image format (qcow2, raw); probed when omitted.")
    String format;

    @Option(names = "--backing-chain", description = "Also show every image of the backing chain.")
    boolean chain;

    @Parameters(paramLabel = "IMAGE")
    Path image;

    @Override
    public Integer call() throws Exception {
        List<ImageInfo> infos = new ArrayList<>();
        try (BlockDevice dev = Disks.open(image, format, false)) {
            BlockDevice d = dev;
            Path p = image;
            while (d != null) {
                if (d instanceof Qcow2Image q) {
                    infos.add(q.info());
                    d = chain ? q.backing() : null;
                    p = q.path();
                } else {
                    Path rp = d instanceof io.imgtool.core.RawFileDevice r ? r.path() : p;
                    infos.add(ImageInfo.ofRaw(rp, d));
                    d = null;
                }
                if (!chain) {
                    break;
                }
            }
        }
        if (json.enabled()) {
            if (chain) {
                List<Object> l = new ArrayList<>();
                for (ImageInfo i : infos) {
                    l.add(i.toJson());
                }
                System.out.println(Json.write(l));
            } else {
                System.out.println(Json.write(infos.get(0).toJson()));
            }
            return ExitCodes.OK;
        }
        boolean first = true;
        for (ImageInfo i : infos) {
            if (!first) {
                System.out.println();
            }
            first = false;
            print(i);
        }
        return ExitCodes.OK;
    }

    private static void print(ImageInfo i) {
        System.out.println("image: " + i.filename());
        System.out.println("file format: " + i.format());
        System.out.println("virtual size: " + Sizes.human(i.virtualSize()) + " (" + i.virtualSize() + " bytes)");
        System.out.println("disk size: " + Sizes.human(i.actualSize()));
        if (i.clusterSize() > 0) {
            System.out.println("cluster_size: " + i.clusterSize());
        }
        if (i.backingFilename() != null) {
            System.out.println("backing file: " + i.backingFilename()
                    + (i.fullBackingFilename().equals(i.backingFilename()) ? "" : " (actual path: " + i.fullBackingFilename() + ")"));
            if (i.backingFormat() != null) {
                System.out.println("backing file format: " + i.backingFormat());
            }
        }
        if (!i.snapshots().isEmpty()) {
            System.out.println("Snapshot list:");
            System.out.printf("%-10s%-18s%10s  %-20s%s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK");
            for (ImageInfo.SnapshotInfo s : i.snapshots()) {
                String date = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochSecond(s.dateSec()));
                long ms = s.vmClockNsec() / 1_000_000;
                System.out.printf("%-10s%-18s%10s  %-20s%02d:%02d:%02d.%03d%n", s.id(), s.name(), Sizes.human(s.vmStateSize()),
                        date, ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
            }
        }
        if ("qcow2".equals(i.format())) {
            System.out.println("Format specific information:");
            System.out.println("    compat: " + i.compat());
            System.out.println("    compression type: " + i.compressionType());
            System.out.println("    lazy refcounts: " + i.lazyRefcounts());
            System.out.println("    refcount bits: " + i.refcountBits());
            System.out.println("    corrupt: " + i.corrupt());
            System.out.println("    extended l2: " + i.extendedL2());
            if (i.dirty()) {
                System.out.println("    dirty: true");
            }
            if (!i.headerExtensions().isEmpty()) {
                System.out.println("    header extensions: " + String.join(", ", i.headerExtensions()));
            }
        }
    }
}
