package io.imgtool.qemu.internal;

import io.imgtool.qemu.ConsoleEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one QEMU process to its end: streams the serial console (QEMU's stdout) to the console sink
 * and the log, watches it, follows QMP events, and stops QEMU at the timeout or shortly after a
 * fatal console event.
 */
public final class GuestProcess {

    /** How long QEMU may keep running after a fatal console line (to let the panic trace through). */
    static final Duration FATAL_GRACE = Duration.ofSeconds(2);
    /** Longest QEMU stderr kept. */
    static final int MAX_STDERR = 64 << 10;

    /**
     * How the process ended.
     *
     * @param status QEMU's exit status, null when it was killed
     * @param timedOut whether the timeout killed it
     * @param shutdownReason the reason of QMP's SHUTDOWN event ("guest-shutdown", "guest-reset", ...), or null
     * @param guestPanicked whether QMP reported GUEST_PANICKED
     * @param kvmEnabled what query-kvm answered, null if QMP did not answer
     * @param fatal the fatal console event that stopped QEMU, or null
     * @param events every recognised console event
     * @param tail the last console lines
     * @param stderr what QEMU printed on stderr (bounded)
     * @param elapsed start to exit
     */
    public record Exit(Integer status, boolean timedOut, String shutdownReason, boolean guestPanicked,
                       Boolean kvmEnabled, ConsoleEvent fatal, List<ConsoleEvent> events, List<String> tail,
                       String stderr, Duration elapsed) {
    }

    private GuestProcess() {
    }

    public static Exit run(List<String> command, Path qmpSocket, Duration timeout, OutputStream console,
                           Path serialLog) throws IOException {
        AtomicReference<ConsoleEvent> fatal = new AtomicReference<>();
        ConsoleWatcher watcher = new ConsoleWatcher(e -> {
            if (e.kind().fatal()) {
                fatal.compareAndSet(null, e);
            }
        });
        OutputStream log = serialLog == null ? OutputStream.nullOutputStream()
                : Files.newOutputStream(serialLog, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long start = System.nanoTime();
        Process p = pb.start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread consoleThread = pump("imgtool-console", p.getInputStream(), (b, n) -> {
            watcher.accept(b, 0, n);
            write(log, b, n);
            write(console, b, n);
        });
        ByteArrayOutputStream errLine = new ByteArrayOutputStream();
        Thread errThread = pump("imgtool-qemu-stderr", p.getErrorStream(), (b, n) -> {
            for (int i = 0; i < n; i++) {
                if (b[i] != '\n' && errLine.size() < 4096) {
                    errLine.write(b[i]);
                    continue;
                }
                errLine.write('\n');
                byte[] line = errLine.toByteArray();
                errLine.reset();
                if (isNoise(line)) {
                    continue;
                }
                synchronized (stderr) {
                    if (stderr.size() + line.length <= MAX_STDERR) {
                        stderr.write(line, 0, line.length);
                    }
                }
                write(console, line, line.length);
            }
        });
        AtomicReference<String> shutdown = new AtomicReference<>();
        AtomicReference<Boolean> panicked = new AtomicReference<>(false);
        Boolean kvm = null;
        Thread qmpThread = null;
        QmpClient qmp = null;
        long deadline = start + timeout.toNanos();
        boolean timedOut = false;
        try {
            try {
                qmp = QmpClient.connect(qmpSocket, p::isAlive, Math.min(timeout.toMillis(), 60_000));
                Object answer = qmp.execute("query-kvm");
                if (answer instanceof Map<?, ?> m && m.get("enabled") instanceof Boolean b) {
                    kvm = b;
                }
                QmpClient client = qmp;
                qmpThread = new Thread(() -> client.readEvents(ev -> {
                    Object name = ev.get("event");
                    if ("SHUTDOWN".equals(name) && ev.get("data") instanceof Map<?, ?> d) {
                        shutdown.compareAndSet(null, String.valueOf(d.get("reason")));
                    } else if ("GUEST_PANICKED".equals(name)) {
                        panicked.set(true);
                    }
                }), "imgtool-qmp");
                qmpThread.setDaemon(true);
                qmpThread.start();
            } catch (IOException e) {
                // QEMU died before QMP came up (bad option, missing file): its stderr says why.
                if (p.isAlive()) {
                    Processes.stop(p);
                }
            }
            long fatalAt = 0;
            while (p.isAlive()) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    timedOut = true;
                    break;
                }
                if (fatal.get() != null) {
                    if (fatalAt == 0) {
                        fatalAt = now;
                    } else if (now - fatalAt >= FATAL_GRACE.toNanos()) {
                        break;
                    }
                }
                p.waitFor(Math.min(100, Math.max(1, (deadline - now) / 1_000_000)), TimeUnit.MILLISECONDS);
            }
            boolean killed = p.isAlive();
            Processes.stop(p);
            join(consoleThread);
            join(errThread);
            if (qmpThread != null) {
                join(qmpThread);
            }
            watcher.finish();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            String err;
            synchronized (stderr) {
                err = stderr.toString(StandardCharsets.UTF_8);
            }
            return new Exit(killed ? null : p.exitValue(), timedOut, shutdown.get(), panicked.get(), kvm, fatal.get(),
                    watcher.events(), watcher.tail(), err, elapsed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the guest ran");
        } finally {
            Processes.stop(p);
            if (qmp != null) {
                qmp.close();
            }
            log.close();
            try {
                console.flush();
            } catch (IOException ignored) {
                // the console sink is best effort
            }
        }
    }

    /** QEMU's note that it waits for the QMP client: expected, not worth showing. */
    static boolean isNoise(byte[] line) {
        return new String(line, StandardCharsets.UTF_8).contains("QEMU waiting for connection on");
    }

    private interface Sink {
        void accept(byte[] b, int n);
    }

    private static Thread pump(String name, InputStream in, Sink sink) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    sink.accept(buf, n);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void write(OutputStream out, byte[] b, int n) {
        try {
            synchronized (out) {
                out.write(b, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // a closed console or a full log disk must not stop the guest
        }
    }

    private static void join(Thread t) throws InterruptedException {
        t.join(10_000);
    }
}
