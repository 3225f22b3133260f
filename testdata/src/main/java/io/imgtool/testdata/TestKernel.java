package io.imgtool.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The host's Debian cloud kernel (package linux-image-cloud-amd64), for tests that boot a real
 * kernel under qemu-system: the kernel image, its initrd and its modules with their dependencies.
 *
 * @param kernel /boot/vmlinuz-VERSION
 * @param initrd /boot/initrd.img-VERSION (may not exist)
 * @param version e.g. 6.1.0-56-cloud-amd64
 * @param modules /lib/modules/VERSION
 */
public record TestKernel(Path kernel, Path initrd, String version, Path modules) {

    /** The newest cloud kernel installed, or empty. */
    public static Optional<TestKernel> find() {
        Path boot = Path.of("/boot");
        if (!Files.isDirectory(boot)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().matches("vmlinuz-.*-cloud-amd64"))
                    .filter(Files::isReadable)
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .map(k -> {
                        String v = k.getFileName().toString().substring("vmlinuz-".length());
                        return new TestKernel(k, boot.resolve("initrd.img-" + v), v, Path.of("/lib/modules", v));
                    })
                    .filter(t -> Files.isDirectory(t.modules()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like {@link #find}, but skips the test (fails it under CI=true) when there is no cloud kernel. */
    public static TestKernel require() {
        Optional<TestKernel> k = find();
        if (k.isPresent()) {
            return k.get();
        }
        String msg = "no readable /boot/vmlinuz-*-cloud-amd64 with its modules (Debian package linux-image-cloud-amd64;"
                + " .ci/run installs it)";
        if (ReferenceTools.isCi()) {
            Assertions.fail("CI=true and " + msg);
        }
        System.err.println("\n*** SKIPPED: " + msg + " ***\n");
        Assumptions.abort(msg);
        throw new AssertionError("unreachable");
    }

    /**
     * The module files needed to load {@code names} (e.g. "virtio_blk", "isofs"), dependencies
     * first, from modules.dep. A module built into the kernel (modules.builtin) needs no file.
     */
    public List<Path> moduleFiles(String... names) {
        try {
            Map<String, String> byName = new HashMap<>();
            Map<String, List<String>> deps = new HashMap<>();
            for (String line : Files.readAllLines(modules.resolve("modules.dep"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String file = line.substring(0, colon);
                String rest = line.substring(colon + 1).trim();
                byName.put(moduleName(file), file);
                deps.put(file, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            }
            Set<String> builtin = new LinkedHashSet<>();
            Path builtinFile = modules.resolve("modules.builtin");
            if (Files.exists(builtinFile)) {
                for (String line : Files.readAllLines(builtinFile)) {
                    builtin.add(moduleName(line.trim()));
                }
            }
            Set<String> ordered = new LinkedHashSet<>();
            for (String n : names) {
                String key = n.replace('-', '_');
                if (builtin.contains(key)) {
                    continue;
                }
                String file = byName.get(key);
                if (file == null) {
                    throw new IllegalArgumentException("module " + n + " is neither in modules.dep nor built in");
                }
                add(file, deps, ordered);
            }
            List<Path> out = new ArrayList<>();
            for (String f : ordered) {
                out.add(modules.resolve(f));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(String file, Map<String, List<String>> deps, Set<String> ordered) {
        if (ordered.contains(file)) {
            return;
        }
        // modules.dep lists the whole closure; load the deepest first.
        List<String> ds = new ArrayList<>(deps.getOrDefault(file, List.of()));
        java.util.Collections.reverse(ds);
        for (String d : ds) {
            add(d, deps, ordered);
        }
        ordered.add(file);
    }

    private static String moduleName(String file) {
        String base = file.substring(file.lastIndexOf('/') + 1);
        int dot = base.indexOf(".ko");
        return (dot < 0 ? base : base.substring(0, dot)).replace('-', '_');
    }
}
