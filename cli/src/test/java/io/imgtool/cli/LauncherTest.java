package io.imgtool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.testdata.JavaChild;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./imgtool} launcher script, run on a copy of itself beside a stand-in jar whose main
 * class ({@link LauncherProbe}) reports what the JVM was given: which Java it picks, the C1 option
 * for short commands, the class-data archive learning a command on its first run and mapped on the
 * next ones (dumped with the run's module options), exit codes passed through both ways, odd
 * command names.
 */
class LauncherTest {

    @TempDir
    Path home;

    private Path launcher;

    @BeforeEach
    void layout() throws IOException {
        Path script = Path.of(System.getProperty("user.dir")).resolveSibling("imgtool");
        assertThat(script).exists();
        launcher = home.resolve("imgtool");
        Files.copy(script, launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(home.resolve("cli/target"));
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(target.resolve("imgtool.jar"));
             JarOutputStream jar = new JarOutputStream(out, mf);
             InputStream cls = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
            jar.putNextEntry(new JarEntry(entry));
            cls.transferTo(jar);
            jar.closeEntry();
        }
    }

    private record Run(int exit, Map<String, String> values, String stderr) {
        String get(String key) {
            return values.get(key);
        }
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("IMGTOOL_JAVA");
        pb.environment().remove("IMGTOOL_OPTS");
        pb.environment().remove("IMGTOOL_CDS");
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] err = p.getErrorStream().readAllBytes();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Run(p.exitValue(), values, new String(err, StandardCharsets.UTF_8));
    }

    private static Map<String, String> java(JavaChild.Java j) {
        return Map.of("IMGTOOL_JAVA", j.binary().toString());
    }

    @Test
    void picksTheNewestJava22WhenTheDefaultIsOlder() throws Exception {
        JavaChild.Java newest = JavaChild.findJava(22);
        Run r = run(Map.of(), "--version");
        assertThat(r.exit()).as(r.stderr()).isZero();
        int running = Runtime.version().feature();
        if (running < 22 && newest != null) {
            assertThat(r.get("java")).isEqualTo(String.valueOf(newest.feature()));
        }
        assertThat(r.get("args")).isEqualTo("--version");
        // The choice can be forced.
        JavaChild.Java self = new JavaChild.Java(Path.of(System.getProperty("java.home"), "bin", "java"), running);
        Run forced = run(java(self), "--version");
        assertThat(forced.get("java")).isEqualTo(String.valueOf(running));
        assertThat(forced.get("native-access")).isEqualTo(String.valueOf(running >= 22));
    }

    @Test
    void archiveLearnsEachCommandOnceAndIsMappedAfterwards() throws Exception {
        for (JavaChild.Java j : javas()) {
            Map<String, String> env = java(j);
            Run first = run(env, "check", "a b", "exit=1");
            assertThat(first.exit()).as("exit code of a learning run").isEqualTo(1);
            assertThat(first.get("args")).isEqualTo("check|a b|exit=1");
            assertThat(first.get("archive")).as("a learning run maps no archive of ours").doesNotContain("imgtool-");
            assertThat(first.get("tiered-stop")).as("check runs with C1 only").isEqualTo("1");
            Path jsa;
            try (var files = Files.list(home.resolve("cli/target"))) {
                List<Path> jsas = files.filter(f -> f.getFileName().toString().matches("imgtool-" + j.feature() + "-.*\\.jsa"))
                        .toList();
                assertThat(jsas).as("one archive per JDK").hasSize(1);
                jsa = jsas.get(0);
            }
            Path commands = Path.of(jsa.toString().replaceAll("\\.jsa$", ".commands"));
            assertThat(Files.readAllLines(commands)).containsExactly("check");

            Run second = run(env, "check", "exit=3");
            assertThat(second.exit()).as("exit code of a mapped run").isEqualTo(3);
            assertThat(second.get("archive")).isEqualTo(jsa.toString());
            assertThat(second.get("sharing")).as("the archive is in use (dumped with the run's module options)")
                    .isEqualTo("true");

            Run other = run(env, "convert", "x");
            assertThat(other.get("tiered-stop")).as("convert keeps the full JIT").isNotEqualTo("1");
            Run odd = run(env, "we/ird;name");
            assertThat(odd.exit()).isZero();
            assertThat(Files.readAllLines(commands)).containsExactly("check", "convert", "other");
            assertThat(run(env, "convert", "y").get("archive")).isEqualTo(jsa.toString());

            Run off = run(Map.of("IMGTOOL_JAVA", j.binary().toString(), "IMGTOOL_CDS", "off"), "check");
            assertThat(off.get("archive")).doesNotContain("imgtool-");
        }
    }

    /** The running Java and, if installed, the newest Java 22+ (the launcher's two code paths). */
    private static List<JavaChild.Java> javas() {
        JavaChild.Java self = new JavaChild.Java(Path.of(System.getProperty("java.home"), "bin", "java"),
                Runtime.version().feature());
        JavaChild.Java newest = JavaChild.findJava(22);
        return newest == null || newest.feature() == self.feature() ? List.of(self) : List.of(self, newest);
    }
}
