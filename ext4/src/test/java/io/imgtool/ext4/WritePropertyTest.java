package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.imgtool.core.RawFileDevice;
import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

/**
 * Random sequences of operations on an ext4 image (through imgtool) and on jimfs: after every step
 * the two trees are equal; the volume is flushed, and closed and reopened, at random points; at the
 * end e2fsck -fn finds nothing and the reopened image still equals the model.
 */
class WritePropertyTest {

    static final List<List<String>> LAYOUTS = List.of(
            List.of("mkfs.ext4"),
            List.of("mkfs.ext4", "-b", "1024"),
            List.of("mkfs.ext4", "-O", "^metadata_csum,^64bit,inline_data"),
            List.of("mkfs.ext3"),
            List.of("mkfs.ext2", "-b", "2048"));

    @Provide
    Arbitrary<Integer> layouts() {
        return Arbitraries.integers().between(0, LAYOUTS.size() - 1);
    }

    @Property(tries = 6)
    void randomOperationsKeepExt4EqualToJimfs(@ForAll long seed, @ForAll("layouts") int layout) throws IOException {
        run(seed, layout, 220);
    }

    @Property(tries = 120)
    @Tag("soak")
    void manyRandomSequences(@ForAll long seed, @ForAll("layouts") int layout) throws IOException {
        run(seed, layout, 400);
    }

    static FileSystem jimfs() {
        return Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix", "user")
                .setDefaultAttributeValue("owner:owner", "0")
                .setDefaultAttributeValue("posix:group", "0")
                .build());
    }

    private static Ext4Volume open(Path image) throws IOException {
        return Ext4Volume.openOwning(RawFileDevice.open(image, true), Ext4Options.builder().writable(true)
                .randomSeed(1).build());
    }

    private void run(long seed, int layout, int steps) throws IOException {
        ReferenceTools.require("mkfs.ext4");
        Path work = Images.scratch("prop");
        List<String> l = LAYOUTS.get(layout);
        Path image = Images.mkfs(work.resolve("p.img"), l.get(0), l.subList(1, l.size()), null, "96M");
        RandomOps gen = new RandomOps(seed, 200);
        String where = "seed " + seed + ", layout " + l;
        java.util.Random when = new java.util.Random(seed ^ 0x5DEECE66DL);
        try (FileSystem model = jimfs()) {
            Path mroot = java.nio.file.Files.createDirectory(model.getPath("/model"),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(RandomOps.perms(0755)));
            Ext4Volume vol = open(image);
            try {
                for (int i = 0; i < steps; i++) {
                    RandomOps.Op op = gen.next();
                    RandomOps.apply(op, mroot);
                    try {
                        RandomOps.apply(op, vol.fileSystem().getPath("/"));
                    } catch (IOException | RuntimeException e) {
                        throw new AssertionError(where + ": step " + i + " " + op + " failed on ext4", e);
                    }
                    int r = when.nextInt(40);
                    if (r == 0) {
                        vol.flush();
                    } else if (r == 1) {
                        vol.close();
                        vol = open(image);
                    }
                    Map<String, String> want = RandomOps.snapshot(mroot);
                    Map<String, String> got = RandomOps.snapshot(vol.fileSystem().getPath("/"));
                    assertThat(got).as(where + ": after step " + i + " " + op).isEqualTo(want);
                }
            } finally {
                vol.close();
            }
            assertThat(Fsck.problems(image)).as(where).isNull();
            try (Ext4Volume ro = Images.open(image)) {
                assertThat(RandomOps.snapshot(ro.fileSystem().getPath("/"))).as(where + " after reopening")
                        .isEqualTo(RandomOps.snapshot(mroot));
            }
        }
    }
}
