package io.imgtool.sysprep.seal;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.Extent;
import io.imgtool.core.HostFiles;
import io.imgtool.core.ImageException;
import io.imgtool.core.SliceDevice;
import io.imgtool.gpt.GptPartition;
import io.imgtool.gpt.GptTable;
import io.imgtool.gpt.PartitionTable;
import io.imgtool.gpt.RootLabeler;
import io.imgtool.publish.FileDigest;
import io.imgtool.publish.HashAlgorithm;
import io.imgtool.publish.Publisher;
import io.imgtool.publish.VirtBuilderIndexEntry;
import io.imgtool.publish.XzCompressor;
import io.imgtool.qcow2.DiskImage;
import io.imgtool.qcow2.ImageConverter;
import io.imgtool.qcow2.Qcow2Image;
import io.imgtool.qcow2.Qcow2Options;
import io.imgtool.qemu.BootResult;
import io.imgtool.qemu.BootRunner;
import io.imgtool.qemu.CloudInitResultReader;
import io.imgtool.qemu.DiskFormat;
import io.imgtool.sysprep.Change;
import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.Registry;
import io.imgtool.sysprep.ScrubHook;
import io.imgtool.sysprep.SysprepOptions;
import io.imgtool.sysprep.SysprepReport;
import io.imgtool.sysprep.inspect.Guest;
import io.imgtool.sysprep.inspect.GuestInspection;
import io.imgtool.sysprep.inspect.GuestPartition;
import io.imgtool.sysprep.inspect.GuestVolume;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The stages of one {@link Sealer#seal()} run. */
final class SealPipeline {

    private final Sealer.Builder o;
    private final Map<String, Duration> timings = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<Change> extra = new ArrayList<>();
    private DiskImage.Format inputFormat;
    private long stageStart;

    SealPipeline(Sealer sealer) {
        this.o = sealer.b;
    }

    SealReport run() throws IOException {
        long start = System.nanoTime();
        preflight();
        SealReport r;
        if (o.dryRun) {
            r = dryRun(start);
        } else if (o.inPlace) {
            r = inPlace(start);
        } else {
            r = toOutput(start);
        }
        return r;
    }

    // ---- checks before anything is written -------------------------------------------------------

    private void preflight() throws IOException {
        if (!Files.isRegularFile(o.input)) {
            throw new NoSuchFileException(o.input.toString());
        }
        inputFormat = o.inputFormat != null ? o.inputFormat : DiskImage.probe(o.input);
        if (o.dryRun) {
            return;
        }
        Path dir = publishDir();
        if (!o.inPlace) {
            if (!Files.isDirectory(dir)) {
                throw new NoSuchFileException(dir.toString(), null, "the output's directory does not exist");
            }
            mustNotExist(o.output);
        }
        for (Path p : publishedFiles(dir)) {
            mustNotExist(p);
        }
        if (o.indexEntry != null) {
            mustNotExist(o.indexEntry.file());
        }
    }

    private Path publishDir() {
        Path target = o.inPlace ? o.input : o.output;
        Path parent = target.toAbsolutePath().getParent();
        return parent;
    }

    private List<Path> publishedFiles(Path dir) {
        List<Path> out = new ArrayList<>();
        for (HashAlgorithm a : o.checksums) {
            out.add(dir.resolve(a.sumsFileName()));
            if (o.signer != null) {
                for (Publisher.Style s : o.signatureStyles) {
                    out.add(dir.resolve(a.sumsFileName() + s.suffix()));
                }
            }
        }
        return out;
    }

    private static void mustNotExist(Path p) throws FileAlreadyExistsException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(p.toString());
        }
    }

    // ---- the three modes -------------------------------------------------------------------------

    private SealReport dryRun(long start) throws IOException {
        try (BlockDevice disk = DiskImage.open(o.input, inputFormat, false)) {
            Sealed s = sealGuest(disk, true);
            begin("space");
            DiskSpace.Result space = space(disk);
            end("space");
            timings.put("total", Duration.ofNanos(System.nanoTime() - start));
            Map<String, Long> sizes = inputSizes(disk);
            return report("", "dry-run", "", s, space, 0, sizes, List.of(), List.of(), "");
        }
    }

    /** The space to drop: none with {@code keepFreeSpace}. */
    private DiskSpace.Result space(BlockDevice disk) throws IOException {
        if (o.keepFreeSpace) {
            return new DiskSpace.Result(List.of(), 0, 0, 0, List.of("free space kept (--keep-free-space)"));
        }
        return DiskSpace.compute(disk);
    }

    private SealReport inPlace(long start) throws IOException {
        Sealed s;
        DiskSpace.Result space;
        long dropped;
        Map<String, Long> sizes;
        if (o.newUuids) {
            warnings.add("--new-uuids in place: each filesystem stays consistent through a crash, but the new ids "
                    + "and the files naming them are not changed in one step; -o OUT is atomic");
        }
        try (BlockDevice disk = DiskImage.open(o.input, inputFormat, true)) {
            sizes = inputSizes(disk);
            s = sealGuest(disk, false);
            begin("space");
            space = space(disk);
            dropped = new TrimmedDevice(disk, space.dropped()).droppedData();
            for (Extent e : space.dropped()) {
                disk.discard(e.offset(), e.length());
            }
            disk.flush();
            end("space");
        }
        sizes.put("output_file_size", Files.size(o.input));
        Published p = publish(List.of(o.input.toAbsolutePath()), s.inspection);
        timings.put("total", Duration.ofNanos(System.nanoTime() - start));
        return report("", "in-place", inputFormat.id(), s, space, dropped, sizes, p.artifacts, p.signatures, p.indexEntry);
    }

    /** The prefix of the hidden work folders beside an output; see {@link #toOutput}. */
    static final String WORK_PREFIX = ".imgtool-seal-";
    private static final String WORK_LOCK = ".lock";
    /**
     * The work folders of seals running in this JVM. Their lock files are never opened by the stale
     * check: closing any descriptor of a file drops all of a process's POSIX locks on it.
     */
    private static final java.util.Set<Path> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Seals into a new image. The work (the overlay, the output before its rename) happens in a
     * hidden folder beside the output, {@code .imgtool-seal-*}, whose {@code .lock} file this run
     * holds locked until it has removed the folder. A run killed outright (SIGKILL, power loss)
     * leaves the folder behind; the kernel drops its lock, so the next seal into the same
     * directory finds it unlocked and removes it, and never touches the folder of a seal still
     * running.
     */
    private SealReport toOutput(long start) throws IOException {
        Path out = o.output.toAbsolutePath();
        removeStaleWorkFolders(out.getParent());
        Path work = Files.createTempDirectory(out.getParent(), WORK_PREFIX);
        RUNNING.add(work);
        FileChannel lockChannel;
        try {
            lockChannel = lockWorkFolder(work);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(work);
            RUNNING.remove(work);
            throw e;
        }
        Thread cleanup = new Thread(() -> removeWorkFolder(work), "imgtool-seal-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path overlay = work.resolve("work.qcow2");
            begin("overlay");
            Qcow2Image.create(overlay, Qcow2Options.builder()
                    .backingFile(o.input.toAbsolutePath().toString(), inputFormat.id()).build()).close();
            end("overlay");
            if (o.provision != null) {
                provision(overlay, work);
            }
            Sealed s;
            DiskSpace.Result space;
            long dropped;
            Map<String, Long> sizes;
            String fmt;
            try (BlockDevice input = DiskImage.open(o.input, inputFormat, false)) {
                sizes = inputSizes(input);
            }
            try (Qcow2Image disk = Qcow2Image.open(overlay, true)) {
                s = sealGuest(disk, false);
                disk.flush();
                begin("space");
                space = space(disk);
                TrimmedDevice view = new TrimmedDevice(disk, space.dropped());
                dropped = view.droppedData();
                end("space");
                begin("output");
                Path tmp = work.resolve("out");
                o.progress.accept("writing " + out.getFileName());
                if (o.xz) {
                    XzCompressor.builder().threads(o.threads).preset(o.xzPreset)
                            .progress(o.outputProgress == null ? x -> { } : o.outputProgress).build().compress(view, tmp);
                    fmt = "raw.xz";
                } else if (o.format == Sealer.Format.RAW) {
                    ImageConverter.convert(view, tmp, withProgress(ImageConverter.Options.raw()));
                    fmt = "raw";
                } else {
                    boolean compress = o.compression != null;
                    ImageConverter.convert(view, tmp, withProgress(ImageConverter.Options.qcow2(
                            Qcow2Options.builder().size(disk.size())
                                    .compression(compress ? o.compression : Qcow2Options.Compression.DEFLATE)
                                    .build(), compress).withThreads(o.threads)));
                    fmt = "qcow2";
                }
                mustNotExist(out);
                move(tmp, out);
                end("output");
            }
            sizes.put("output_file_size", Files.size(out));
            Published p = publish(List.of(out), s.inspection);
            timings.put("total", Duration.ofNanos(System.nanoTime() - start));
            return report(o.output.toString(), "output", fmt, s, space, dropped, sizes, p.artifacts, p.signatures,
                    p.indexEntry);
        } finally {
            removeWorkFolder(work);
            if (lockChannel != null) {
                lockChannel.close();
            }
            RUNNING.remove(work);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs anyway
            }
        }
    }

    /**
     * Creates the work folder's lock file, locked: made under another name, locked, then renamed,
     * so that a {@code .lock} another seal can see is never one not yet locked. Returns its
     * channel, to be closed when the folder is gone. Where the filesystem cannot lock there is no
     * lock file (null): a folder without one is never taken for stale.
     */
    private static FileChannel lockWorkFolder(Path work) throws IOException {
        Path unlocked = work.resolve(WORK_LOCK + ".new");
        FileChannel ch = FileChannel.open(unlocked, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ch.lock();
            Files.move(unlocked, work.resolve(WORK_LOCK), StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(unlocked);
            return null;
        }
    }

    /**
     * Removes the work folders in {@code dir} left by seals that were killed: those whose lock file
     * nobody holds. A folder whose lock is held (a seal running in another process or this one) or
     * that has no lock file (made by another program, or by a run killed in the instant between
     * making the folder and its lock, or between removing its lock and the empty folder) is left
     * alone.
     */
    private void removeStaleWorkFolders(Path dir) {
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(dir, WORK_PREFIX + "*")) {
            for (Path folder : folders) {
                Path lockFile = folder.resolve(WORK_LOCK);
                if (RUNNING.contains(folder) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
                        || !Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    if (ch.tryLock() == null) {
                        continue;
                    }
                    o.progress.accept("removing " + folder.getFileName() + ", the work folder of an interrupted seal");
                    removeWorkFolder(folder);
                } catch (OverlappingFileLockException e) {
                    // locked by this JVM after all (not through a seal of this class): in use
                }
            }
        } catch (IOException e) {
            // best effort: a leftover folder costs space, never correctness
        }
    }

    private ImageConverter.Options withProgress(ImageConverter.Options opts) {
        return o.outputProgress == null ? opts : opts.withProgress(o.outputProgress);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    // ---- provisioning ----------------------------------------------------------------------------

    private void provision(Path overlay, Path work) throws IOException {
        begin("provision");
        o.progress.accept("provisioning: booting the work image");
        BootRunner.Builder b = o.provision.apply(BootRunner.builder());
        b.disk(overlay, DiskFormat.QCOW2).inPlace().workDir(work)
                .cloudInitResultReader(CloudInitResultReader.fromGuestFiles(SealPipeline::readGuestFile));
        BootResult r = b.build().run();
        end("provision");
        if (!r.success()) {
            throw new Sealer.ProvisionException(r);
        }
        notes.add("provisioned: " + r.message());
    }

    /** Reads one guest file of an image offline, for cloud-init's result.json after provisioning. */
    static Optional<byte[]> readGuestFile(Path image, DiskFormat format, String guestPath) throws IOException {
        try (BlockDevice disk = DiskImage.open(image, format == DiskFormat.QCOW2 ? DiskImage.Format.QCOW2
                : DiskImage.Format.RAW, false);
             Guest g = Guest.open(disk, Guest.Options.builder().build())) {
            io.imgtool.sysprep.GuestFiles f = new io.imgtool.sysprep.GuestFiles(
                    new io.imgtool.sysprep.GuestResolver(g.root(), g.mounts()), new io.imgtool.sysprep.ChangeRecorder(),
                    true, null);
            if (f.typeFollow(guestPath) != io.imgtool.sysprep.GuestFiles.Type.FILE) {
                return Optional.empty();
            }
            return Optional.of(f.read(guestPath));
        }
    }

    // ---- the guest: operations, label, UUIDs ------------------------------------------------------

    /** What sealing the guest produced. */
    private record Sealed(GuestInspection inspection, SysprepReport sysprep) {
    }

    private Sealed sealGuest(BlockDevice disk, boolean dryRun) throws IOException {
        List<Operation> ops = o.selection.resolve(Registry.standard());
        PartitionTable table = PartitionTable.read(disk);
        boolean gpt = table.scheme() == PartitionTable.Scheme.GPT;
        boolean writes = !dryRun && (!ops.isEmpty() || o.newUuids || (o.labelRoot != null && !gpt));
        begin("inspect");
        o.progress.accept("inspecting " + o.input.getFileName());
        Guest g = Guest.open(disk, Guest.Options.builder().writable(writes).opener(o.opener)
                .rootPartition(o.rootPartition).build());
        GptTable newTable = null;
        SysprepReport rep;
        try {
            GuestInspection insp = g.inspection();
            warnings.addAll(insp.warnings());
            end("inspect");
            begin("operations");
            o.progress.accept((dryRun ? "dry run: " : "") + ops.size() + " operations on " + insp.os().prettyName());
            SysprepOptions opts = o.options;
            if (opts.scrub()) {
                opts = opts.toBuilder().scrub(true, scrubHook(g)).build();
            }
            rep = g.sysprep().selection(o.selection).options(opts).dryRun(dryRun).run();
            end("operations");
            if (o.labelRoot != null) {
                begin("label");
                String before = gpt ? g.volumes().get(0).partition().name() : g.volumes().get(0).volume().label();
                if (!gpt) {
                    labelFilesystem(g, dryRun);
                }
                if (!before.isEmpty() && !before.equals(o.labelRoot) && (writes || dryRun)) {
                    SysprepReport refs = g.sysprep().operations(List.of(new LabelReferences(gpt, before, o.labelRoot)))
                            .options(SysprepOptions.builder().random(o.random).build()).dryRun(dryRun).run();
                    extra.addAll(refs.changes());
                    warnings.addAll(refs.warnings());
                }
                end("label");
            }
            if (o.newUuids) {
                begin("uuids");
                newTable = renewUuids(g, disk, dryRun);
                end("uuids");
            }
            begin("close");
            if (writes) {
                // What the template's mounts left in the superblocks (mount count, last mount point,
                // recorded errors) is not the clone's.
                for (Guest.MountedVolume v : g.volumes()) {
                    if (v.volume().hasErrors()) {
                        warnings.add(v.partition().describeWithFs() + " has errors recorded; run e2fsck on it");
                    } else {
                        v.volume().resetMountState();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                g.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        g.close();
        end("close");
        if (newTable != null && !dryRun) {
            newTable.validate(disk.size() / newTable.sectorSize());
            newTable.write(disk);
            disk.flush();
        }
        if (o.labelRoot != null && gpt) {
            begin("label");
            RootLabeler.Result lr = RootLabeler.label(disk, RootLabeler.Options.builder(o.labelRoot)
                    .partition(g.inspection().rootPartition()).dryRun(dryRun).build());
            if (lr.changed()) {
                extra.add(new Change(Change.Kind.CHANGED, "partition " + lr.partition().number() + " (GPT name)",
                        "label-root", "'" + lr.nameBefore() + "' -> '" + lr.nameAfter() + "'"));
            }
            end("label");
        }
        return new Sealed(g.inspection(), rep);
    }

    private static ScrubHook scrubHook(Guest g) {
        return file -> {
            for (Guest.MountedVolume v : g.volumes()) {
                if (v.volume().fileSystem() == file.getFileSystem()) {
                    return v.volume().scrubFile(file);
                }
            }
            return false;
        };
    }

    private void labelFilesystem(Guest g, boolean dryRun) throws IOException {
        Guest.MountedVolume root = g.volumes().get(0);
        GuestVolume v = root.volume();
        String before = v.label();
        if (before.equals(o.labelRoot)) {
            return;
        }
        if (!dryRun) {
            v.checkLabel(o.labelRoot);
            v.setLabel(o.labelRoot);
        }
        extra.add(new Change(Change.Kind.CHANGED, root.partition().describe() + " (filesystem label)", "label-root",
                "'" + before + "' -> '" + o.labelRoot + "'"));
    }

    /** New filesystem UUIDs and GPT GUIDs; returns the GPT to write after the volumes are closed, or null. */
    private GptTable renewUuids(Guest g, BlockDevice disk, boolean dryRun) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        for (Guest.MountedVolume v : g.volumes()) {
            String old = v.volume().uuid();
            UUID neu = randomUuid();
            if (!old.isEmpty()) {
                map.put(old, neu.toString());
            }
            if (!dryRun) {
                v.volume().setUuid(neu);
            }
            extra.add(new Change(Change.Kind.CHANGED, v.partition().describe() + " (" + v.volume().type() + " UUID)",
                    UuidReferences.NAME, old + " -> " + neu));
        }
        GptTable newTable = null;
        if (g.table() instanceof GptTable t) {
            newTable = t.randomizeGuids(o.random);
            for (GptPartition p : t.partitions()) {
                UUID neu = newTable.partition(p.number()).partitionGuid();
                map.put(p.partitionGuid().toString(), neu.toString());
                extra.add(new Change(Change.Kind.CHANGED, "partition " + p.number() + " (GPT partition GUID)",
                        UuidReferences.NAME, p.partitionGuid().toString().toLowerCase(Locale.ROOT) + " -> " + neu));
            }
            extra.add(new Change(Change.Kind.CHANGED, "disk (GPT disk GUID)", UuidReferences.NAME,
                    t.diskGuid().toString().toLowerCase(Locale.ROOT) + " -> " + newTable.diskGuid().toString().toLowerCase(Locale.ROOT)));
        } else if (g.table().scheme() == PartitionTable.Scheme.MBR) {
            notes.add("new-uuids: the MBR disk signature is kept (PARTUUID=SSSSSSSS-NN references stay valid)");
        }
        SysprepReport refs = g.sysprep().operations(List.of(new UuidReferences(map)))
                .options(SysprepOptions.builder().random(o.random).build()).dryRun(dryRun).run();
        extra.addAll(refs.changes());
        warnings.addAll(refs.warnings());
        for (GuestPartition p : g.inspection().partitions()) {
            if (p.filesystem() != null && p.filesystem().type().equals("vfat")) {
                try (BlockDevice part = SliceDevice.of(disk, p.offset(), p.size())) {
                    int n = EspPatch.replace(part, map, dryRun);
                    if (n > 0) {
                        extra.add(new Change(Change.Kind.CHANGED, p.describe() + " (vfat: " + n + " UUID references)",
                                UuidReferences.NAME, "replaced in place"));
                    }
                }
            }
        }
        return newTable;
    }

    private UUID randomUuid() {
        long hi = o.random.nextLong();
        long lo = o.random.nextLong();
        hi = (hi & ~0xF000L) | 0x4000L;                    // version 4
        lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(hi, lo);
    }

    // ---- publishing ------------------------------------------------------------------------------

    private record Published(List<SealReport.Artifact> artifacts, List<String> signatures, String indexEntry) {
    }

    private Published publish(List<Path> artifactPaths, GuestInspection insp) throws IOException {
        List<SealReport.Artifact> artifacts = new ArrayList<>();
        List<String> sigs = new ArrayList<>();
        String entry = "";
        begin("publish");
        Map<Path, Map<String, String>> digests = new LinkedHashMap<>();
        for (Path a : artifactPaths) {
            digests.put(a, new LinkedHashMap<>());
        }
        if (!o.checksums.isEmpty()) {
            o.progress.accept("checksums" + (o.signer != null ? " and signature" : ""));
            Publisher.Builder pb = Publisher.builder().algorithms(o.checksums.toArray(HashAlgorithm[]::new))
                    .checksums(io.imgtool.publish.Checksums.builder().threads(o.threads));
            if (o.signer != null) {
                pb.signer(o.signer).signatures(o.signatureStyles.toArray(Publisher.Style[]::new));
            }
            Publisher.Publication pub = pb.build().publish(publishDir(), artifactPaths);
            for (Map.Entry<HashAlgorithm, List<FileDigest>> e : pub.digests().entrySet()) {
                for (int i = 0; i < artifactPaths.size(); i++) {
                    digests.get(artifactPaths.get(i)).put(e.getKey().name(), e.getValue().get(i).digest());
                }
            }
            for (Path s : pub.sumsFiles()) {
                artifacts.add(new SealReport.Artifact(s.toString(), Files.size(s), Map.of()));
            }
            for (Path s : pub.signatures()) {
                sigs.add(s.toString());
            }
        }
        List<SealReport.Artifact> images = new ArrayList<>();
        for (Path a : artifactPaths) {
            images.add(new SealReport.Artifact(a.toString(), Files.size(a), digests.get(a)));
        }
        images.addAll(artifacts);
        if (o.indexEntry != null) {
            Sealer.IndexEntry ie = o.indexEntry;
            String osVersion = ie.osVersion() != null ? ie.osVersion()
                    : insp.os().id() + (insp.os().versionId().isEmpty() ? "" : "-" + insp.os().versionId());
            VirtBuilderIndexEntry.Builder vb = VirtBuilderIndexEntry.forXzImage(artifactPaths.get(0))
                    .osVersion(osVersion).revision(ie.revision()).arch(ie.arch())
                    .name(ie.name() != null ? ie.name() : insp.os().prettyName());
            String expand = expandDevice(insp);
            if (!expand.isEmpty()) {
                vb.expand(expand);
            }
            entry = vb.build().text();
            mustNotExist(ie.file());
            Files.writeString(ie.file(), entry, StandardCharsets.UTF_8);
            images.add(new SealReport.Artifact(ie.file().toString(), Files.size(ie.file()), Map.of()));
        }
        end("publish");
        return new Published(images, sigs, entry);
    }

    /** virt-builder's --expand device for the root: /dev/sdaN as libguestfs names it. */
    private static String expandDevice(GuestInspection insp) {
        int n = insp.rootPartition();
        return n == 0 ? "" : "/dev/sda" + n;
    }

    // ---- report ----------------------------------------------------------------------------------

    private Map<String, Long> inputSizes(BlockDevice disk) throws IOException {
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("virtual_size", disk.size());
        long data = 0;
        for (Extent e : disk.extents(0, disk.size())) {
            if (!e.allocation().readsAsZero()) {
                data += e.length();
            }
        }
        sizes.put("input_data", data);
        sizes.put("input_file_size", Files.size(o.input));
        return sizes;
    }

    private SealReport report(String output, String mode, String fmt, Sealed s, DiskSpace.Result space, long dropped,
                              Map<String, Long> sizes, List<SealReport.Artifact> artifacts, List<String> sigs,
                              String entry) {
        List<String> w = new ArrayList<>(warnings);
        w.addAll(s.sysprep().warnings());
        w.addAll(space.notes());
        List<String> n = new ArrayList<>(s.sysprep().notes());
        n.addAll(notes);
        return new SealReport(o.input.toString(), output, mode, fmt, s.inspection(), s.sysprep(), extra, space, dropped,
                sizes, artifacts, sigs, entry, timings, dedupe(w), n);
    }

    private static List<String> dedupe(List<String> l) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(l));
    }

    private void begin(String stage) {
        stageStart = System.nanoTime();
    }

    private void end(String stage) {
        timings.merge(stage, Duration.ofNanos(System.nanoTime() - stageStart), Duration::plus);
    }

    /**
     * Removes a work folder with its lock file last, so that a run killed while removing it leaves
     * a folder the next seal still recognises as stale (an unlocked {@code .lock}), not one it
     * must leave alone. Only the instant between the lock file's unlink and the folder's rmdir
     * leaves an empty folder.
     */
    private static void removeWorkFolder(Path work) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(work)) {
            for (Path e : entries) {
                if (!e.getFileName().toString().equals(WORK_LOCK)) {
                    HostFiles.deleteTree(e);
                }
            }
        } catch (IOException e) {
            // best effort, as below
        }
        deleteQuietly(work);
    }

    private static void deleteQuietly(Path dir) {
        try {
            HostFiles.deleteTree(dir);
        } catch (IOException e) {
            // best effort: a leftover private directory is named .imgtool-seal-*
        }
    }
}
