package io.imgtool.ext4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.ext4.nio.Ext4FileAttributes;
import io.imgtool.ext4.nio.Ext4XattrView;
import io.imgtool.testdata.ReferenceTools;
import io.imgtool.testdata.Trees;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** java.nio.file semantics: paths stay inside the filesystem, standard exceptions, read-only refusals. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NioTest {

    private Path work;
    private Path image;
    private Ext4Volume vol;
    private FileSystem fs;

    @BeforeAll
    void open() throws IOException {
        ReferenceTools.require("mkfs.ext4");
        work = Images.scratch("nio");
        Path tree = work.resolve("tree");
        Trees.build(tree, Trees.Spec.standard(11));
        image = Images.mkfs(work.resolve("n.img"), "mkfs.ext4", List.of(), tree, "64M");
        // A corrupt directory hard link back to an ancestor, and an SELinux label.
        Debugfs.run(image, List.of("link /deep /deep/level0/level1/back-to-deep",
                "ea_set /files/text.txt security.selinux system_u:object_r:etc_t:s0"), true);
        vol = Images.open(image);
        fs = vol.fileSystem();
    }

    @AfterAll
    void close() throws IOException {
        fs.close();
        assertThat(vol.isOpen()).isFalse();
    }

    private Path p(String s) {
        return fs.getPath(s);
    }

    @Test
    void dotDotAtTheRootStaysAtTheRoot() throws IOException {
        assertThat(Files.readString(p("/../../../files/text.txt"))).isEqualTo("hello, ext4\n");
        assertThat(Files.readString(p("../files/./text.txt"))).isEqualTo("hello, ext4\n");
        assertThat(p("/a/../../b").normalize().toString()).isEqualTo("/b");
        assertThat(p("/..").toRealPath().toString()).isEqualTo("/");
    }

    @Test
    void symbolicLinksResolveInsideTheFilesystem() throws IOException {
        assertThat(Files.readString(p("/links/absolute"))).isEqualTo("hello, ext4\n");
        assertThat(Files.readString(p("/links/escape"))).isEqualTo("hello, ext4\n");
        assertThat(Files.readString(p("/links/to-file"))).isEqualTo("hello, ext4\n");
        assertThat(p("/links/to-dir/level0").toRealPath().toString()).isEqualTo("/deep/level0");
        assertThat(Files.readSymbolicLink(p("/links/absolute")).toString()).isEqualTo("/files/text.txt");
        assertThat(Files.readSymbolicLink(p("/links/len-1023")).toString()).isEqualTo(Trees.target(1023));
        assertThat(Files.readSymbolicLink(p("/links/len-59")).toString()).isEqualTo(Trees.target(59));
        assertThat(Files.isSymbolicLink(p("/links/dangling"))).isTrue();
        assertThatThrownBy(() -> Files.readString(p("/links/dangling"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.readString(p("/links/loop-a"))).isInstanceOf(FileSystemLoopException.class);
        assertThatThrownBy(() -> Files.readSymbolicLink(p("/files/text.txt"))).isInstanceOf(NotLinkException.class);
        assertThatThrownBy(() -> Files.newByteChannel(p("/links/to-file"), LinkOption.NOFOLLOW_LINKS))
                .isInstanceOf(FileSystemException.class);
    }

    @Test
    void standardExceptions() {
        assertThatThrownBy(() -> Files.readAllBytes(p("/no/such"))).isInstanceOf(NoSuchFileException.class)
                .hasMessage("/no/such");
        assertThatThrownBy(() -> Files.list(p("/files/text.txt"))).isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> Files.readAllBytes(p("/files/text.txt/below"))).isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> Files.readAllBytes(p("/deep"))).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Is a directory");
    }

    @Test
    void everyWriteIsRefused() {
        assertThatThrownBy(() -> Files.writeString(p("/new"), "x")).isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.newByteChannel(p("/files/text.txt"), StandardOpenOption.APPEND))
                .isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.createDirectory(p("/d"))).isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.delete(p("/files/text.txt"))).isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.move(p("/files/text.txt"), p("/x"))).isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.setPosixFilePermissions(p("/files/text.txt"), PosixFilePermissions.fromString("rwx------")))
                .isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> Files.getFileAttributeView(p("/files/text.txt"), UserDefinedFileAttributeView.class)
                .write("a", ByteBuffer.allocate(1))).isInstanceOf(ReadOnlyFileSystemException.class);
        assertThatThrownBy(() -> fs.provider().checkAccess(p("/files/text.txt"), AccessMode.WRITE))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(fs.isReadOnly()).isTrue();
    }

    @Test
    void attributesByName() throws IOException {
        Map<String, Object> ext4 = Files.readAttributes(p("/hardlinks/a"), "ext4:*");
        assertThat(ext4).containsKeys("inode", "mode", "uid", "gid", "nlink", "atime", "mtime", "ctime", "crtime",
                "flags", "generation");
        assertThat(ext4.get("nlink")).isEqualTo(3);
        assertThat(Files.getAttribute(p("/modes/mode-4755"), "unix:mode")).isEqualTo(0104755);
        assertThat(Files.getPosixFilePermissions(p("/modes/mode-0600"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getOwner(p("/owned/owner-12345-54321")).getName()).isEqualTo("12345");
        assertThat(Files.isSameFile(p("/hardlinks/a"), p("/hardlinks/sub/c"))).isTrue();
        Ext4FileAttributes dev = Files.readAttributes(p("/dev/bigdev"), Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(dev.isCharacterDevice()).isTrue();
        assertThat(dev.deviceMajor()).isEqualTo(300);
        assertThat(dev.deviceMinor()).isEqualTo(70000);
        assertThat(Files.readAttributes(p("/dev/fifo"), Ext4FileAttributes.class).isFifo()).isTrue();
        assertThat(Files.readAttributes(p("/dev/socket"), Ext4FileAttributes.class).isSocket()).isTrue();
        assertThat(Files.readAttributes(p("/dev/sda1"), Ext4FileAttributes.class).isBlockDevice()).isTrue();
    }

    @Test
    void extendedAttributesDecoded() throws IOException {
        UserDefinedFileAttributeView u = Files.getFileAttributeView(p("/xattrs/user-attrs"), UserDefinedFileAttributeView.class);
        assertThat(u.list()).contains("comment", "empty", "binary", "big");
        ByteBuffer b = ByteBuffer.allocate(u.size("comment"));
        u.read("comment", b);
        assertThat(new String(b.array())).isEqualTo("a comment");
        Ext4XattrView x = Files.getFileAttributeView(p("/xattrs/acl-file"), Ext4XattrView.class);
        assertThat(x.acl(false).orElseThrow().toText()).isEqualTo("user::rw-,user:1000:rw-,group::r--,group:2000:r--,"
                + "mask::rw-,other::r--");
        assertThat(Files.getFileAttributeView(p("/xattrs/acl-dir"), Ext4XattrView.class).acl(true).orElseThrow().toText())
                .contains("user:1001:rwx");
        assertThat(Files.getFileAttributeView(p("/xattrs/cap-file"), Ext4XattrView.class).capability().orElseThrow()
                .toText()).isEqualTo("cap_net_admin,cap_net_raw=ep");
        assertThat(Files.getFileAttributeView(p("/files/text.txt"), Ext4XattrView.class).selinuxLabel())
                .hasValue("system_u:object_r:etc_t:s0");
        assertThat(Files.getFileAttributeView(p("/xattrs/acl-file"), Ext4XattrView.class).readAllRaw())
                .containsKey("system.posix_acl_access");
    }

    @Test
    void directoryHardLinkLoopsAreSkippedSoWalksEnd() throws IOException {
        long n;
        try (Stream<Path> s = Files.walk(p("/deep"))) {
            n = s.count();
        }
        assertThat(n).isEqualTo(1 + 24 + 1);
        assertThat(vol.problems()).anyMatch(pr -> pr.message().contains("directory loop"));
    }

    @Test
    void pathApi() {
        Path a = p("/x/y/z");
        assertThat(a.getParent().toString()).isEqualTo("/x/y");
        assertThat(a.getFileName().toString()).isEqualTo("z");
        assertThat(a.getNameCount()).isEqualTo(3);
        assertThat(a.subpath(1, 3).toString()).isEqualTo("y/z");
        assertThat(p("/x").relativize(a).toString()).isEqualTo("y/z");
        assertThat(a.relativize(p("/x/q")).toString()).isEqualTo("../../q");
        assertThat(p("/x").resolve("y").toString()).isEqualTo("/x/y");
        assertThat(a.startsWith(p("/x/y"))).isTrue();
        assertThat(a.endsWith(p("y/z"))).isTrue();
        assertThat(p("//x///y/").toString()).isEqualTo("/x/y");
        assertThat(p("/").getParent()).isNull();
        assertThat(p("rel").isAbsolute()).isFalse();
        PathMatcher m = fs.getPathMatcher("glob:/files/*.{txt,conf}");
        assertThat(m.matches(p("/files/text.txt"))).isTrue();
        assertThat(m.matches(p("/files/sub/text.txt"))).isFalse();
        URI uri = p("/files/text.txt").toUri();
        assertThat(Path.of(uri)).isEqualTo(p("/files/text.txt"));
    }

    @Test
    void providerOpensBareImagesAndLeavesOtherFilesToOtherProviders() throws IOException {
        try (FileSystem f = FileSystems.newFileSystem(image)) {
            assertThat(f.provider().getScheme()).isEqualTo("ext4");
            assertThat(Files.readString(f.getPath("/files/text.txt"))).isEqualTo("hello, ext4\n");
            assertThat(f.getFileStores().iterator().next().type()).isEqualTo("ext4");
        }
        Path zip = work.resolve("a.zip");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("hello"));
            z.write("zip".getBytes());
        }
        try (FileSystem f = FileSystems.newFileSystem(zip)) {
            assertThat(Files.readString(f.getPath("/hello"))).isEqualTo("zip");
        }
    }
}
