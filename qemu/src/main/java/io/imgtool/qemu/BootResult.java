package io.imgtool.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a boot did.
 *
 * @param outcome how it ended
 * @param message one line for people, naming the cause of a failure
 * @param accel the accelerator that ran the guest
 * @param accelReason why (the KVM probe's verdict for {@link Accel#AUTO}, or "requested")
 * @param qemuExitStatus QEMU's exit status, or -1 when it was killed
 * @param consoleTail the last console lines, oldest first
 * @param events what was recognised on the console
 * @param cloudInit cloud-init's result.json when a reader was configured and found one, else null
 * @param changesIn where the guest's changes are now: the image, the output, or null when discarded
 * @param timings where the time went
 * @param command the QEMU command line, for reproducing by hand
 */
public record BootResult(BootOutcome outcome, String message, Accel accel, String accelReason, int qemuExitStatus,
                         List<String> consoleTail, List<ConsoleEvent> events, CloudInitResult cloudInit,
                         Path changesIn, Timings timings, List<String> command) {

    public BootResult {
        consoleTail = List.copyOf(consoleTail);
        events = List.copyOf(events);
        command = List.copyOf(command);
    }

    public boolean success() {
        return outcome.success();
    }

    /**
     * @param prepare building the seed and creating the overlay or the output copy
     * @param probe the KVM probe (zero unless {@link Accel#AUTO} ran it)
     * @param guest QEMU's run, start to exit: boot to power-off
     * @param finish reading cloud-init's result and committing or discarding the changes
     */
    public record Timings(Duration prepare, Duration probe, Duration guest, Duration finish) {
    }
}
