package io.imgtool.qemu.internal;

import java.util.concurrent.TimeUnit;

/** Stopping the processes imgtool started. */
public final class Processes {

    private Processes() {
    }

    /** SIGTERM (QEMU then quits cleanly), and SIGKILL if it is still there after 5 s. */
    public static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
