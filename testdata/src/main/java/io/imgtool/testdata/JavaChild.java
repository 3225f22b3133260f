package io.imgtool.testdata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a {@code main} class of the test classpath in a child JVM, for crash tests that kill a
 * writer at a random moment and for tests of locking between processes.
 */
public final class JavaChild {

    private JavaChild() {
    }

    /** Starts {@code mainClass} with {@code args}; stderr is inherited, stdout piped to the caller. */
    public static Process start(Class<?> mainClass, String... args) throws IOException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java"), Runtime.version().feature(), mainClass,
                args);
    }

    /**
     * Like {@link #start(Class, String...)} with another Java: {@code java} is its binary, {@code feature}
     * its version (see {@link #findJava}).
     */
    public static Process start(Path java, int feature, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xmx256m");
        if (feature >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** A Java runtime of at least version {@code minFeature}. */
    public record Java(Path binary, int feature) {
    }

    /**
     * {@link #findJava}, for tests that need such a Java: without one they skip loudly, and fail
     * under {@code CI=true} (CI machines carry a Temurin 25 JDK beside Debian's Java 17).
     */
    public static Java requireJava(int minFeature, String why) {
        Java j = findJava(minFeature);
        if (j != null) {
            return j;
        }
        String msg = "no Java " + minFeature + " or newer installed (the running one, or a JDK under /usr/lib/jvm): "
                + why;
        if (ReferenceTools.isCi()) {
            org.junit.jupiter.api.Assertions.fail("CI=true and " + msg);
        }
        System.err.println("\n*** SKIPPED: " + msg + " ***\n");
        org.junit.jupiter.api.Assumptions.abort(msg);
        return null;
    }

    /**
     * The running Java if it is at least {@code minFeature}, else the newest such JDK under
     * /usr/lib/jvm (by the JAVA_VERSION of its release file), else null.
     */
    public static Java findJava(int minFeature) {
        if (Runtime.version().feature() >= minFeature) {
            return new Java(Path.of(System.getProperty("java.home"), "bin", "java"), Runtime.version().feature());
        }
        Java best = null;
        try (var dirs = java.nio.file.Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                Path release = d.resolve("release");
                Path bin = d.resolve("bin/java");
                if (!java.nio.file.Files.isRegularFile(release) || !java.nio.file.Files.isExecutable(bin)) {
                    continue;
                }
                for (String line : java.nio.file.Files.readAllLines(release)) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"(\\d+)").matcher(line);
                    if (m.find()) {
                        int v = Integer.parseInt(m.group(1));
                        if (v >= minFeature && (best == null || v > best.feature())) {
                            best = new Java(bin, v);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return best;
        }
        return best;
    }
}
