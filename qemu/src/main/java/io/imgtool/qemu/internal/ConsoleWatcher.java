package io.imgtool.qemu.internal;

import io.imgtool.qemu.ConsoleEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Reads the serial console byte by byte, splits it into lines (escape sequences and carriage returns
 * removed), keeps the last lines for error messages and reports the lines that mean failure.
 * Prompts that wait for input without a newline ("(initramfs) ") are matched on the partial line.
 */
public final class ConsoleWatcher {

    /** Longest line kept; longer ones are cut (a guest can print anything). */
    static final int MAX_LINE = 4096;
    static final int TAIL_LINES = 40;

    private record Rule(ConsoleEvent.Kind kind, Pattern pattern, boolean partial) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule(ConsoleEvent.Kind.KERNEL_PANIC, Pattern.compile("Kernel panic - not syncing"), false),
            new Rule(ConsoleEvent.Kind.EMERGENCY_SHELL, Pattern.compile(
                    "You are in emergency mode|Entering emergency mode|You are in rescue mode"
                            + "|Give root password for maintenance|Dropping to a shell!"), false),
            new Rule(ConsoleEvent.Kind.NO_BOOTABLE_DEVICE, Pattern.compile(
                    "^No bootable device\\.|No bootable option or device was found"), false),
            // Debian/Ubuntu initramfs-tools and dracut prompts, printed without a newline.
            new Rule(ConsoleEvent.Kind.EMERGENCY_SHELL, Pattern.compile("^\\(initramfs\\) $|^dracut:/# $"), true),
            new Rule(ConsoleEvent.Kind.SCRIPT_FAILED, Pattern.compile("imgtool-script: exited with status [1-9][0-9]*"),
                    false),
            new Rule(ConsoleEvent.Kind.CLOUD_INIT_ERROR, Pattern.compile(
                    "Failed to run module \\S+|Failed running /var/lib/cloud/instance/scripts/"), false));

    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\u001b[=>c]");

    private final Consumer<ConsoleEvent> listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<ConsoleEvent> events = new ArrayList<>();
    private boolean partialReported;

    public ConsoleWatcher(Consumer<ConsoleEvent> listener) {
        this.listener = listener;
    }

    /** Feeds console output. */
    public synchronized void accept(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c == '\n') {
                endLine();
            } else if (c != '\r' && line.size() < MAX_LINE) {
                line.write(c);
            }
        }
        checkPartial();
    }

    /** Flushes a last line without newline. */
    public synchronized void finish() {
        if (line.size() > 0) {
            endLine();
        }
    }

    private void endLine() {
        String text = clean(line.toByteArray());
        line.reset();
        partialReported = false;
        tail.addLast(text);
        while (tail.size() > TAIL_LINES) {
            tail.removeFirst();
        }
        for (Rule r : RULES) {
            if (!r.partial() && r.pattern().matcher(text).find()) {
                report(new ConsoleEvent(r.kind(), text));
                return;
            }
        }
    }

    private void checkPartial() {
        if (partialReported || line.size() == 0 || line.size() > 64) {
            return;
        }
        String text = clean(line.toByteArray());
        for (Rule r : RULES) {
            if (r.partial() && r.pattern().matcher(text).find()) {
                partialReported = true;
                report(new ConsoleEvent(r.kind(), text));
                return;
            }
        }
    }

    private void report(ConsoleEvent e) {
        events.add(e);
        listener.accept(e);
    }

    static String clean(byte[] raw) {
        String s = new String(raw, StandardCharsets.UTF_8);
        s = ESCAPES.matcher(s).replaceAll("");
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 || c == '\t') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The last lines seen, oldest first. */
    public synchronized List<String> tail() {
        List<String> out = new ArrayList<>(tail);
        if (line.size() > 0) {
            out.add(clean(line.toByteArray()));
        }
        return out;
    }

    public synchronized List<ConsoleEvent> events() {
        return List.copyOf(events);
    }
}
