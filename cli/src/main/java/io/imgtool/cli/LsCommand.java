package io.imgtool.cli;

import io.imgtool.core.Json;
import io.imgtool.ext4.Ext4Volume;
import io.imgtool.ext4.nio.Ext4FileAttributes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgtool ls [-l] [-R] IMAGE [PATH]}: list a directory of the filesystem in IMAGE. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List a directory (or show a file) of the ext2/3/4 filesystem in IMAGE, without mounting it.")
public final class LsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A filesystem image.")
    Path image;

    @Parameters(index = "1", paramLabel = "PATH", defaultValue = "/", description = "Guest path (default: /).")
    String path;

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, mtime (UTC), link target.")
    boolean longFormat;

    @Option(names = "-R", description = "List subdirectories recursively.")
    boolean recursive;

    @Option(names = "-a", description = "Include names starting with '.'.")
    boolean all;

    @Mixin
    FsImageArgs fsArgs;

    @Mixin
    JsonOption json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private int errors;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (Ext4Volume vol = fsArgs.open(image); FileSystem fs = vol.fileSystem()) {
            Path p = fs.getPath(path);
            Ext4FileAttributes a = Files.readAttributes(p, Ext4FileAttributes.class);
            List<Map<String, Object>> rows = new ArrayList<>();
            if (!a.isDirectory()) {
                Ext4FileAttributes self = Files.readAttributes(p, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                emit(out, rows, p, p.toString(), self);
            } else {
                list(out, rows, p, true);
            }
            if (json.enabled()) {
                out.println(Json.write(rows));
            }
        }
        out.flush();
        return errors == 0 ? ExitCodes.OK : ExitCodes.CORRUPT;
    }

    private void list(PrintWriter out, List<Map<String, Object>> rows, Path dir, boolean first) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path c : ds) {
                if (all || !c.getFileName().toString().startsWith(".")) {
                    children.add(c);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            error(dir, e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e);
        }
        children.sort(null);
        if (recursive && !json.enabled()) {
            if (!first) {
                out.println();
            }
            out.println(dir + ":");
        }
        List<Path> subdirs = new ArrayList<>();
        for (Path c : children) {
            try {
                Ext4FileAttributes a = Files.readAttributes(c, Ext4FileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                emit(out, rows, c, c.getFileName().toString(), a);
                if (a.isDirectory()) {
                    subdirs.add(c);
                }
            } catch (IOException e) {
                error(c, e);
            }
        }
        if (recursive) {
            for (Path d : subdirs) {
                list(out, rows, d, false);
            }
        }
    }

    private void error(Path p, IOException e) {
        errors++;
        PrintWriter err = spec.commandLine().getErr();
        err.println("imgtool ls: " + p + ": " + e.getMessage());
        err.flush();
    }

    private void emit(PrintWriter out, List<Map<String, Object>> rows, Path p, String name, Ext4FileAttributes a)
            throws IOException {
        String target = a.isSymbolicLink() ? Files.readSymbolicLink(p).toString() : null;
        if (json.enabled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", p.toString());
            m.put("type", typeName(a));
            m.put("mode", String.format("%04o", a.mode() & 07777));
            m.put("inode", a.inode());
            m.put("links", (long) a.linkCount());
            m.put("uid", a.uid());
            m.put("gid", a.gid());
            m.put("size", a.size());
            m.put("mtime", a.lastModifiedTime().toInstant().toString());
            if (target != null) {
                m.put("target", target);
            }
            if (a.isCharacterDevice() || a.isBlockDevice()) {
                m.put("device", a.deviceMajor() + ":" + a.deviceMinor());
            }
            rows.add(m);
            return;
        }
        if (!longFormat) {
            out.println(name);
            return;
        }
        String size = a.isCharacterDevice() || a.isBlockDevice() ? a.deviceMajor() + ", " + a.deviceMinor()
                : Long.toString(a.size());
        out.printf("%s %3d %6d %6d %10s %s %s%s%n", modeString(a.mode()), a.linkCount(), a.uid(), a.gid(), size,
                TIME.format(a.lastModifiedTime().toInstant()), name, target != null ? " -> " + target : "");
    }

    static String typeName(Ext4FileAttributes a) {
        if (a.isDirectory()) {
            return "directory";
        }
        if (a.isRegularFile()) {
            return "file";
        }
        if (a.isSymbolicLink()) {
            return "symlink";
        }
        if (a.isCharacterDevice()) {
            return "char";
        }
        if (a.isBlockDevice()) {
            return "block";
        }
        if (a.isFifo()) {
            return "fifo";
        }
        return "socket";
    }

    /** "drwxr-xr-x" with s/S, t/T as ls prints them. */
    static String modeString(int mode) {
        char type = switch (mode & 0170000) {
            case 0040000 -> 'd';
            case 0120000 -> 'l';
            case 0020000 -> 'c';
            case 0060000 -> 'b';
            case 0010000 -> 'p';
            case 0140000 -> 's';
            default -> '-';
        };
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        if ((mode & 04000) != 0) {
            sb.setCharAt(3, sb.charAt(3) == 'x' ? 's' : 'S');
        }
        if ((mode & 02000) != 0) {
            sb.setCharAt(6, sb.charAt(6) == 'x' ? 's' : 'S');
        }
        if ((mode & 01000) != 0) {
            sb.setCharAt(9, sb.charAt(9) == 'x' ? 't' : 'T');
        }
        return sb.toString();
    }
}
