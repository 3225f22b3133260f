package io.imgtool.testdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real Debian guest for the seal tests and benchmark: bookworm from Debian's packages
 * (debootstrap minbase with systemd, udev, openssh-server, cloud-init and the cloud kernel with its
 * initramfs), built once as root and cached in {@code ~/.cache/imgtool/bookworm-seal} (about 550 MB,
 * a few minutes from deb.debian.org; {@code -Dimgtool.debian.mirror=URL} to change the mirror). A
 * run that is interrupted leaves a {@code .partial} directory that the next run starts over; a tree is
 * complete when its stamp file says so.
 *
 * <p>{@link #usedTree()} is a copy with {@link UsedDebian}'s used look (logs, history, leases,
 * caches, cloud-init instance state, a user, link traps), cached beside it. {@link DebianDisk}
 * makes disk images of either.
 *
 * <p>{@code java -cp testdata/target/classes io.imgtool.testdata.DebianGuest used} prints the path of
 * the used tree, building what is missing (the benchmark uses this).
 */
public final class DebianGuest {

    /** The packages besides minbase. */
    public static final String PACKAGES =
            "systemd-sysv,udev,kmod,locales,cloud-init,python3-cffi-backend,openssh-server,linux-image-cloud-amd64";
    static final String MIRROR = System.getProperty("imgtool.debian.mirror", "http://deb.debian.org/debian");
    static final String STAMP = ".imgtool-complete";

    private DebianGuest() {
    }

    /** The cache directory (~/.cache/imgtool). */
    public static Path cacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "imgtool");
    }

    /** The clean debootstrapped tree, built when missing. */
    public static synchronized Path cleanTree() throws IOException {
        Path dir = cacheDir().resolve("bookworm-seal");
        String stamp = "debootstrap --variant=minbase --include=" + PACKAGES + " bookworm; locale en_US.UTF-8; "
                + "cloud-init datasource NoCloud\n";
        if (complete(dir, stamp)) {
            return dir;
        }
        ReferenceTools.require("debootstrap");
        Path partial = fresh(dir.resolveSibling(dir.getFileName() + ".partial"));
        ReferenceTools.run(Duration.ofMinutes(40), null, "debootstrap", "--variant=minbase", "--include=" + PACKAGES,
                "bookworm", partial.toString(), MIRROR).assertOk();
        // cloud-init's locale module sets en_US.UTF-8, which must exist (as on Debian's cloud images).
        Files.writeString(partial.resolve("etc/locale.gen"), "en_US.UTF-8 UTF-8\n");
        ReferenceTools.run(Duration.ofMinutes(5), null, "chroot", partial.toString(), "locale-gen").assertOk();
        // Only NoCloud: a test boot must not probe cloud metadata services.
        Files.writeString(partial.resolve("etc/cloud/cloud.cfg.d/90-imgtool-test.cfg"), "datasource_list: [ NoCloud, None ]\n");
        finish(partial, dir, stamp);
        return dir;
    }

    /** The clean tree with {@link UsedDebian}'s used look, built from {@link #cleanTree()} when missing. */
    public static synchronized Path usedTree() throws IOException {
        Path clean = cleanTree();
        Path dir = cacheDir().resolve("bookworm-seal-used");
        String stamp = "clean tree (hard links) + " + UsedDebian.VERSION + "\n";
        if (complete(dir, stamp)) {
            return dir;
        }
        Path partial = fresh(dir.resolveSibling(dir.getFileName() + ".partial"));
        Files.delete(partial);
        // Hard links, not copies: ~550 MiB less on disk. UsedDebian replaces every file it changes
        // (new inode) and chmods only folders, so the clean tree stays clean.
        ReferenceTools.run(Duration.ofMinutes(10), null, "cp", "-a", "--link", clean.toString(), partial.toString())
                .assertOk();
        Files.deleteIfExists(partial.resolve(STAMP));
        UsedDebian.apply(partial);
        finish(partial, dir, stamp);
        return dir;
    }

    private static boolean complete(Path dir, String stamp) throws IOException {
        Path s = dir.resolve(STAMP);
        return Files.isRegularFile(s) && Files.readString(s).equals(stamp);
    }

    private static Path fresh(Path partial) throws IOException {
        if (Files.exists(partial)) {
            ReferenceTools.runOk("rm", "-rf", "--one-file-system", partial.toString());
        }
        Files.createDirectories(partial);
        return partial;
    }

    private static void finish(Path partial, Path dir, String stamp) throws IOException {
        if (Files.exists(dir)) {
            ReferenceTools.runOk("rm", "-rf", "--one-file-system", dir.toString());
        }
        Files.move(partial, dir);
        Files.writeString(dir.resolve(STAMP), stamp);
    }

    /** {@code clean} or {@code used}: prints the tree's path, building it when missing. */
    public static void main(String[] args) throws IOException {
        String what = args.length == 0 ? "used" : args[0];
        System.out.println(what.equals("clean") ? cleanTree() : usedTree());
    }
}
