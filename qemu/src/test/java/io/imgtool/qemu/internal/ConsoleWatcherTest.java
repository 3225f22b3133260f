package io.imgtool.qemu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.qemu.ConsoleEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Canned console logs of real failures, fed in awkward chunks. */
class ConsoleWatcherTest {

    private static List<ConsoleEvent> feed(String log, int chunk) {
        List<ConsoleEvent> seen = new ArrayList<>();
        ConsoleWatcher w = new ConsoleWatcher(seen::add);
        byte[] b = log.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            w.accept(b, i, Math.min(chunk, b.length - i));
        }
        w.finish();
        assertThat(w.events()).isEqualTo(seen);
        return seen;
    }

    @Test
    void kernelPanic() {
        String log = "[    1.712043] VFS: Cannot open root device \"bogus\" or unknown-block(0,0): error -6\r\n"
                + "[    1.712790] Please append a correct \"root=\" boot option; here are the available partitions:\r\n"
                + "[    1.713589] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r\n"
                + "[    1.714391] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-56-cloud-amd64 #1\r\n";
        for (int chunk : new int[] {1, 7, 4096}) {
            List<ConsoleEvent> e = feed(log, chunk);
            assertThat(e).hasSize(1);
            assertThat(e.get(0).kind()).isEqualTo(ConsoleEvent.Kind.KERNEL_PANIC);
            assertThat(e.get(0).line()).endsWith("Unable to mount root fs on unknown-block(0,0)");
        }
    }

    @Test
    void systemdEmergencyModeWithColours() {
        String log = "[\u001b[0;1;31mFAILED\u001b[0m] Failed to mount \u001b[0;1;39m/boot/efi\u001b[0m.\r\n"
                + "[\u001b[0;1;38;5;185mDEPEND\u001b[0m] Dependency failed for \u001b[0;1;39mLocal File Systems\u001b[0m.\r\n"
                + "You are in emergency mode. After logging in, type \"journalctl -xb\" to view\r\n"
                + "system logs, \"systemctl reboot\" to reboot, \"systemctl default\" or \"exit\"\r\n"
                + "Give root password for maintenance\r\n(or press Control-D to continue): ";
        List<ConsoleEvent> e = feed(log, 13);
        assertThat(e).extracting(ConsoleEvent::kind).containsOnly(ConsoleEvent.Kind.EMERGENCY_SHELL);
        assertThat(e.get(0).line()).startsWith("You are in emergency mode.");
    }

    @Test
    void initramfsShellPromptWithoutNewline() {
        String log = "Gave up waiting for root file system device.  Common problems:\r\n"
                + " - Boot args (cat /proc/cmdline)\r\n"
                + "ALERT!  PARTLABEL=SLX_SYS does not exist.  Dropping to a shell!\r\n"
                + "\r\n\r\nBusyBox v1.35.0 (Debian 1:1.35.0-4+b3) built-in shell (ash)\r\n"
                + "Enter 'help' for a list of built-in commands.\r\n\r\n(initramfs) ";
        List<ConsoleEvent> e = feed(log, 5);
        assertThat(e).extracting(ConsoleEvent::kind)
                .containsExactly(ConsoleEvent.Kind.EMERGENCY_SHELL, ConsoleEvent.Kind.EMERGENCY_SHELL);
        assertThat(e.get(1).line()).isEqualTo("(initramfs) ");
    }

    @Test
    void cloudInitModuleFailureIsNotFatal() {
        String log = "[   25.101] cloud-init[512]: 2024-01-02 03:04:05,678 - util.py[WARNING]: Failed running "
                + "/var/lib/cloud/instance/scripts/part-001 [1]\r\n"
                + "[   25.102] cloud-init[512]: 2024-01-02 03:04:05,679 - cc_scripts_user.py[WARNING]: Failed to run "
                + "module scripts-user (scripts in /var/lib/cloud/instance/scripts)\r\n";
        List<ConsoleEvent> e = feed(log, 64);
        assertThat(e).extracting(ConsoleEvent::kind).containsOnly(ConsoleEvent.Kind.CLOUD_INIT_ERROR);
        assertThat(e).allMatch(x -> !x.kind().fatal());
    }

    @Test
    void anOrdinaryBootRaisesNothingAndTheTailIsKept() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            sb.append("[    ").append(i).append(".000000] line ").append(i).append("\r\n");
        }
        sb.append("reboot: Power down");
        List<ConsoleEvent> seen = new ArrayList<>();
        ConsoleWatcher w = new ConsoleWatcher(seen::add);
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        w.accept(b, 0, b.length);
        assertThat(seen).isEmpty();
        List<String> tail = w.tail();
        assertThat(tail).hasSize(ConsoleWatcher.TAIL_LINES + 1);
        assertThat(tail.get(tail.size() - 1)).isEqualTo("reboot: Power down");
        assertThat(tail.get(tail.size() - 2)).isEqualTo("[    99.000000] line 99");
    }

    @Test
    void hostileConsoleOutputIsBounded() {
        List<ConsoleEvent> seen = new ArrayList<>();
        ConsoleWatcher w = new ConsoleWatcher(seen::add);
        byte[] junk = new byte[1 << 20];
        java.util.Arrays.fill(junk, (byte) 'x');
        w.accept(junk, 0, junk.length);
        w.accept("\nKernel panic - not syncing: x\n".getBytes(StandardCharsets.UTF_8), 0, 31);
        assertThat(w.tail().get(0)).hasSize(ConsoleWatcher.MAX_LINE);
        assertThat(seen).extracting(ConsoleEvent::kind).containsExactly(ConsoleEvent.Kind.KERNEL_PANIC);
    }

    @Test
    void firmwareWithNothingToBoot() {
        String log = "\u001bc\u001b[?7l\u001b[2J\u001b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n"
                + "Booting from Hard Disk...\r\nBoot failed: not a bootable disk\r\n\r\n"
                + "Booting from Floppy...\r\nBoot failed: could not read the boot disk\r\n\r\nNo bootable device.\r\n";
        List<ConsoleEvent> e = feed(log, 9);
        assertThat(e).extracting(ConsoleEvent::kind).containsExactly(ConsoleEvent.Kind.NO_BOOTABLE_DEVICE);
        assertThat(e.get(0).kind().fatal()).isTrue();
    }
}
