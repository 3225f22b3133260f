package io.imgtool.cli;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageException;
import io.imgtool.core.RawFileDevice;
import io.imgtool.core.Sizes;
import io.imgtool.core.SliceDevice;
import io.imgtool.core.Json;
import io.imgtool.ext4.mkfs.Ext4Formatter;
import io.imgtool.ext4.mkfs.MkfsResult;
import io.imgtool.gpt.Partition;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool mkfs}: a new ext4 filesystem, empty or populated from a directory (like mke2fs -d). */
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = {"Make a new ext4 filesystem on TARGET, empty or holding a copy of DIR (like mke2fs -t ext4 -d).",
            "TARGET is a raw image or device, a qcow2 image, or IMAGE:N for partition N of a disk image. "
                    + "A TARGET that does not exist is created with --size (qcow2 when its name ends in .qcow2).",
            "Defaults are Debian 12's mke2fs: has_journal, extent, huge_file, flex_bg, metadata_csum, 64bit, "
                    + "dir_nlink, extra_isize; 256-byte inodes; block size and inode ratio by size."})
public final class MkfsCommand implements Callable<Integer> {

    @Option(names = {"-d", "--from"}, paramLabel = "DIR", description = "Copy this directory tree into the new filesystem.")
    Path from;

    @Option(names = {"-L", "--label"}, paramLabel = "LABEL", description = "Volume label (at most 16 bytes).")
    String label = "";

    @Option(names = {"-U", "--uuid"}, paramLabel = "UUID", description = "Filesystem UUID (default: random).")
    UUID uuid;

    @Option(names = "--hash-seed", paramLabel = "UUID", description = "Directory hash seed (default: random).")
    UUID hashSeed;

    @Option(names = "--reproducible",
            description = "Byte-identical output for identical input: UUID and hash seed derived from the input unless "
                    + "given, times from SOURCE_DATE_EPOCH (else the newest mtime in DIR), atime = ctime = mtime.")
    boolean reproducible;

    @Option(names = "--size", paramLabel = "SIZE",
            description = "Filesystem size (e.g. 4G); a new TARGET is created this large. Default: all of TARGET.")
    String size;

    @Option(names = {"-b", "--block-size"}, paramLabel = "BYTES", description = "1024, 2048, 4096 ... 65536.")
    int blockSize;

    @Option(names = {"-i", "--inode-ratio"}, paramLabel = "BYTES", description = "Bytes per inode.")
    long inodeRatio;

    @Option(names = {"-N", "--inodes"}, paramLabel = "COUNT", description = "Number of inodes (overrides the ratio).")
    long inodes;

    @Option(names = {"-I", "--inode-size"}, paramLabel = "BYTES", description = "Inode size (default 256).")
    int inodeSize = 256;

    @Option(names = {"-O", "--features"}, paramLabel = "LIST",
            description = "Features to add or, with ^, remove, as mke2fs -O: e.g. ^metadata_csum,^64bit or ^has_journal.")
    String features;

    @Option(names = {"-J", "--journal-blocks"}, paramLabel = "BLOCKS", description = "Journal size in blocks.")
    Long journalBlocks;

    @Option(names = {"-m", "--reserved-percent"}, paramLabel = "PCT", description = "Blocks reserved for root (default 5).")
    Double reserved;

    @Parameters(index = "0", paramLabel = "TARGET", description = "Image, device, or IMAGE:PARTITION.")
    String target;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final Pattern PART = Pattern.compile("(.+):(\\d+)");

    @Override
    public Integer call() throws IOException {
        Ext4Formatter.Builder b = Ext4Formatter.builder().label(label).uuid(uuid).hashSeed(hashSeed)
                .reproducible(reproducible).blockSize(blockSize).inodeRatio(inodeRatio).inodeCount(inodes)
                .inodeSize(inodeSize);
        if (features != null) {
            b.features(features);
        }
        if (journalBlocks != null) {
            b.journalBlocks(journalBlocks);
        }
        if (reserved != null) {
            b.reservedPercent(reserved);
        }
        if (reproducible) {
            String sde = System.getenv("SOURCE_DATE_EPOCH");
            if (sde != null && !sde.isBlank()) {
                try {
                    b.sourceDateEpoch(Long.parseLong(sde.trim()));
                } catch (NumberFormatException e) {
                    throw ImageException.invalidArgument("SOURCE_DATE_EPOCH is not a number: " + sde);
                }
            }
        }
        if (from != null && !Files.isDirectory(from)) {
            throw ImageException.invalidArgument(from + " is not a directory");
        }
        long bytes = size == null ? -1 : Sizes.parse(size);
        Path path = Path.of(target);
        Matcher m = PART.matcher(target);
        BlockDevice dev;
        boolean created = false;
        if (!Files.exists(path) && m.matches() && Files.exists(Path.of(m.group(1)))) {
            BlockDevice disk = Disks.open(Path.of(m.group(1)), true);
            try {
                int sectorSize = PartitionTable.detectSectorSize(disk).orElse(512);
                PartitionTable table = PartitionTable.read(disk, sectorSize);
                Partition p = table.partition(Integer.parseInt(m.group(2)));
                dev = SliceDevice.owning(disk, p.offset(), p.size());
            } catch (IOException | RuntimeException e) {
                disk.close();
                throw e;
            }
        } else if (!Files.exists(path)) {
            if (bytes <= 0) {
                throw ImageException.invalidArgument(target + " does not exist: give --size to create it");
            }
            if (target.endsWith(".qcow2")) {
                dev = Qcow2Image.create(path, Qcow2Options.builder().size(bytes).build());
            } else {
                dev = RawFileDevice.create(path, bytes);
            }
            created = true;
        } else {
            dev = Disks.open(path, true);
        }
        if (bytes > 0) {
            b.size(bytes);
        }
        b.assumeZeroed(created);
        MkfsResult r;
        try (BlockDevice d = dev) {
            Ext4Formatter f = b.build();
            r = from == null ? f.format(d) : f.format(d, from);
        } catch (IOException | RuntimeException e) {
            if (created) {
                Files.deleteIfExists(path);
            }
            throw e;
        }
        print(r);
        return ExitCodes.OK;
    }

    private void print(MkfsResult r) {
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("uuid", r.uuid());
            m.put("label", r.label());
            m.put("hash_seed", r.hashSeed());
            m.put("block_size", r.blockSize());
            m.put("blocks", r.blocksCount());
            m.put("inodes", r.inodesCount());
            m.put("groups", r.groups());
            m.put("blocks_per_group", r.blocksPerGroup());
            m.put("inodes_per_group", r.inodesPerGroup());
            m.put("inode_size", r.inodeSize());
            m.put("reserved_blocks", r.reservedBlocks());
            m.put("reserved_gdt_blocks", r.reservedGdtBlocks());
            m.put("journal_blocks", r.journalBlocks());
            m.put("flex_bg_size", r.flexBgSize());
            m.put("features", r.features());
            m.put("free_blocks", r.freeBlocks());
            m.put("free_inodes", r.freeInodes());
            m.put("files", r.files());
            m.put("data_blocks", r.dataBlocks());
            m.put("created", r.createdEpochSecond());
            m.put("skipped", r.skipped());
            out.println(Json.write(m));
        } else {
            out.printf("Created ext4 on %s: %d blocks of %d bytes, %d inodes, %d groups%n", target, r.blocksCount(),
                    r.blockSize(), r.inodesCount(), r.groups());
            out.printf("UUID %s, label '%s', features: %s%n", r.uuid(), r.label(), String.join(" ", r.features()));
            if (r.journalBlocks() > 0) {
                out.printf("Journal: %d blocks%n", r.journalBlocks());
            }
            if (from != null) {
                out.printf("Copied %d files (%d data blocks); %d blocks and %d inodes free%n", r.files(), r.dataBlocks(),
                        r.freeBlocks(), r.freeInodes());
            }
            for (String s : r.skipped()) {
                out.println("Skipped: " + s);
            }
        }
        out.flush();
    }
}
