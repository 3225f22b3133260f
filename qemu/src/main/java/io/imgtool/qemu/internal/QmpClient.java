package io.imgtool.qemu.internal;

import io.imgtool.core.Json;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A minimal QMP client over QEMU's Unix socket: the greeting, {@code qmp_capabilities}, one
 * question ({@code query-kvm}), then the events until QEMU closes the socket. QEMU is started with
 * {@code wait=on}, so the guest does not run before this client is connected and no event is lost.
 */
public final class QmpClient implements Closeable {

    /** Longest QMP line accepted. */
    static final int MAX_LINE = 1 << 20;

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;
    private final List<Map<String, Object>> events = new ArrayList<>();

    private QmpClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    /**
     * Connects to {@code socket}, retrying while it does not exist yet and {@code keepTrying} holds.
     */
    public static QmpClient connect(java.nio.file.Path socket, BooleanSupplier keepTrying, long timeoutMillis)
            throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        IOException last = null;
        while (System.currentTimeMillis() < deadline && keepTrying.getAsBoolean()) {
            if (java.nio.file.Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    QmpClient c = new QmpClient(ch);
                    c.handshake();
                    return c;
                } catch (IOException e) {
                    ch.close();
                    last = e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while connecting to QMP");
            }
        }
        throw new IOException("no QMP connection to QEMU at " + socket
                + (last == null ? "" : ": " + last.getMessage()));
    }

    private void handshake() throws IOException {
        Map<String, Object> greeting = readMessage();
        if (greeting == null || !greeting.containsKey("QMP")) {
            throw new IOException("QMP: unexpected greeting " + greeting);
        }
        execute("qmp_capabilities");
    }

    /** Sends a command and returns its "return" value; events that arrive meanwhile are kept. */
    public synchronized Object execute(String command) throws IOException {
        out.write(("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            Map<String, Object> m = readMessage();
            if (m == null) {
                throw new IOException("QMP: QEMU closed the connection during " + command);
            }
            if (m.containsKey("event")) {
                events.add(m);
            } else if (m.containsKey("return")) {
                return m.get("return");
            } else if (m.containsKey("error")) {
                throw new IOException("QMP " + command + ": " + m.get("error"));
            }
        }
    }

    /** Reads events until QEMU closes the socket; {@code listener} sees each one. */
    public void readEvents(java.util.function.Consumer<Map<String, Object>> listener) {
        try {
            Map<String, Object> m;
            while ((m = readMessage()) != null) {
                if (m.containsKey("event")) {
                    synchronized (this) {
                        events.add(m);
                    }
                    listener.accept(m);
                }
            }
        } catch (IOException e) {
            // QEMU went away; what was read is kept
        }
    }

    /** Events seen so far. */
    public synchronized List<Map<String, Object>> events() {
        return List.copyOf(events);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readMessage() throws IOException {
        String line = readLine();
        if (line == null) {
            return null;
        }
        try {
            Object v = Json.parse(line);
            if (v instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
            throw new IOException("QMP: not a JSON object: " + abbreviate(line));
        } catch (IllegalArgumentException e) {
            throw new IOException("QMP: " + e.getMessage() + " in " + abbreviate(line), e);
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new IOException("QMP: line longer than " + MAX_LINE);
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
