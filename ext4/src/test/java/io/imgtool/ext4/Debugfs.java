package io.imgtool.ext4;

import io.imgtool.testdata.ReferenceTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * debugfs as an oracle: runs a batch of commands in one process and parses {@code stat} and
 * {@code ls -p} output, so tests compare what imgtool reads with what e2fsprogs reads.
 */
final class Debugfs {

    private Debugfs() {
    }

    /** Runs commands (one per line) read-only against {@code image}; returns stdout. */
    static String run(Path image, List<String> commands) throws IOException {
        return run(image, commands, false);
    }

    static String run(Path image, List<String> commands, boolean writable) throws IOException {
        Path cmd = Files.createTempFile("debugfs", ".cmd");
        try {
            Files.write(cmd, commands, StandardCharsets.UTF_8);
            List<String> argv = new ArrayList<>(List.of("debugfs"));
            if (writable) {
                argv.add("-w");
            }
            argv.addAll(List.of("-f", cmd.toString(), image.toString()));
            ReferenceTools.Result r = ReferenceTools.run(argv.toArray(String[]::new));
            if (r.exit() != 0) {
                throw new AssertionError(r.describe());
            }
            return r.stdout();
        } finally {
            Files.deleteIfExists(cmd);
        }
    }

    /** What debugfs' stat says about an inode. Times as "0xSECONDS:EXTRA" (EXTRA null for small inodes). */
    record Stat(long ino, int mode, long flags, long generation, long uid, long gid, long size, int links,
                long blockcount, Map<String, String> times, long fileAcl) {
    }

    private static final Pattern HEAD = Pattern.compile("Inode: (\\d+)\\s+Type: .+?\\s+Mode:\\s+(\\d+)\\s+Flags: (0x[0-9a-f]+)");
    private static final Pattern GEN = Pattern.compile("Generation: (\\d+)");
    private static final Pattern OWN = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+).*Size: (\\d+)");
    private static final Pattern LINKS = Pattern.compile("Links: (\\d+)\\s+Blockcount: (\\d+)");
    private static final Pattern ACL = Pattern.compile("File ACL: (\\d+)");
    private static final Pattern TIME = Pattern.compile("^\\s*(ctime|atime|mtime|crtime): (0x[0-9a-f]+)(?::([0-9a-f]+))?",
            Pattern.MULTILINE);

    /** Stats every inode in {@code inos} in one debugfs run. */
    static Map<Long, Stat> stat(Path image, List<Long> inos) throws IOException {
        List<String> cmds = new ArrayList<>();
        for (long i : inos) {
            cmds.add("stat <" + i + ">");
        }
        String out = run(image, cmds);
        Map<Long, Stat> res = new LinkedHashMap<>();
        for (String chunk : out.split("(?=Inode: \\d+\\s+Type:)")) {
            Matcher h = HEAD.matcher(chunk);
            if (!h.find()) {
                continue;
            }
            long ino = Long.parseLong(h.group(1));
            Matcher g = GEN.matcher(chunk);
            Matcher o = OWN.matcher(chunk);
            Matcher l = LINKS.matcher(chunk);
            Matcher a = ACL.matcher(chunk);
            if (!g.find() || !o.find() || !l.find()) {
                throw new AssertionError("cannot parse debugfs stat:\n" + chunk);
            }
            Map<String, String> times = new LinkedHashMap<>();
            Matcher t = TIME.matcher(chunk);
            while (t.find()) {
                times.put(t.group(1), t.group(2) + (t.group(3) == null ? "" : ":" + t.group(3)));
            }
            res.put(ino, new Stat(ino, Integer.parseInt(h.group(2), 8), Long.decode(h.group(3)),
                    Long.parseLong(g.group(1)), Long.parseLong(o.group(1)), Long.parseLong(o.group(2)),
                    Long.parseLong(o.group(3)), Integer.parseInt(l.group(1)), Long.parseLong(l.group(2)), times,
                    a.find() ? Long.parseLong(a.group(1)) : 0));
        }
        return res;
    }

    /** Directory listings ({@code ls -p}): directory inode to (name to inode), "." and ".." dropped. */
    static Map<Long, Map<String, Long>> list(Path image, List<Long> dirs) throws IOException {
        List<String> cmds = new ArrayList<>();
        for (long d : dirs) {
            cmds.add("ls -p <" + d + ">");
        }
        Map<Long, Map<String, Long>> res = new LinkedHashMap<>();
        // debugfs prints one block per command; split by command is not marked, so run one at a time in groups
        String out = run(image, cmds);
        // Each listing starts with the "." entry of that directory: /ino/mode/uid/gid/./size/
        Map<String, Long> cur = null;
        for (String line : out.split("\n")) {
            if (!line.startsWith("/")) {
                continue;
            }
            String[] f = line.split("/", -1);
            // ["", ino, mode, uid, gid, name..., size, ""]: names may not contain '/'
            long ino = Long.parseLong(f[1]);
            String name = String.join("/", java.util.Arrays.copyOfRange(f, 5, f.length - 2));
            if (name.equals(".")) {
                cur = new LinkedHashMap<>();
                res.put(ino, cur);
                continue;
            }
            if (name.equals("..") || cur == null || ino == 0) {
                continue;
            }
            cur.put(name, ino);
        }
        return res;
    }
}
