import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build step of the cli module (run by Maven after the shade plugin, as a single-file program):
 * rewrites the classes under the given package prefix in the runnable jar from their old class-file
 * version to Java 8's (52) with stack map frames computed by ASM.
 *
 * <p>Why: picocli ships Java 5 class files (version 49). JDK 25's class-data-sharing dump skips such
 * classes ("Old class has been linked"), and the JVM verifies them with the old type-inferring
 * verifier on every start. Measured on `imgtool check` (Java 25, 20 runs each, twice): 237–250 ms
 * before, 195–215 ms after; about 60 ms less CPU time (docs/qcow2.md, start-up). Version 52
 * classes are archived and verified with their frames. The bytecode itself is unchanged.
 *
 * <p>Every rewritten class is then loaded and initialised from the new jar in a fresh class loader,
 * so a frame ASM got wrong fails the build (VerifyError) instead of a user's run.
 *
 * <p>Usage: {@code java -cp ASM_JAR UpgradeClassFiles.java JAR PREFIX}
 */
public final class UpgradeClassFiles {

    private UpgradeClassFiles() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        String prefix = args[1];
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        List<String> upgraded = new ArrayList<>();
        try (URLClassLoader original = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
             OutputStream file = Files.newOutputStream(tmp);
             ZipOutputStream out = new ZipOutputStream(file)) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                byte[] bytes = in.readAllBytes();
                String name = e.getName();
                if (name.startsWith(prefix) && name.endsWith(".class")) {
                    byte[] up = upgrade(bytes, original);
                    if (up != bytes) {
                        upgraded.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
                        bytes = up;
                    }
                }
                ZipEntry o = new ZipEntry(name);
                o.setTime(e.getTime());
                out.putNextEntry(o);
                out.write(bytes);
                out.closeEntry();
            }
        }
        try (URLClassLoader check = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, null)) {
            for (String c : upgraded) {
                Class.forName(c, true, check);
            }
        } catch (LinkageError | ClassNotFoundException e) {
            Files.deleteIfExists(tmp);
            throw new IllegalStateException("an upgraded class does not load: " + e, e);
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("UpgradeClassFiles: " + upgraded.size() + " classes under " + prefix
                + " rewritten to class-file version 52 in " + jar.getFileName());
    }

    /** The class at version 52 with computed frames, or {@code bytes} itself when it is 50 or newer. */
    private static byte[] upgrade(byte[] bytes, ClassLoader classes) throws IOException {
        ClassReader r = new ClassReader(bytes);
        int major = r.readUnsignedShort(6);
        if (major >= 50) {
            return bytes;
        }
        // Not new ClassWriter(r, ...): with the reader, ASM copies unchanged methods as they are,
        // without computing their frames.
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return classes;
            }
        };
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                              String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return w.toByteArray();
    }
}
