package io.imgtool.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The firstboot unit, written into a guest tree on jimfs (ext4 later, through the same Path API). */
class SystemdFirstbootTest {

    @Test
    void writesAnEnabledOneShotUnit() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "posix").build())) {
            Path root = fs.getPath("/");
            new SystemdFirstboot().install(root, "echo provisioning\n".getBytes(StandardCharsets.UTF_8));
            Path unit = root.resolve("etc/systemd/system/imgtool-firstboot.service");
            assertThat(Files.readString(unit)).contains("Type=oneshot")
                    .contains("ExecStart=/usr/local/lib/imgtool/firstboot")
                    .contains("ConditionPathExists=!/var/lib/imgtool/firstboot.status")
                    .contains("WantedBy=multi-user.target");
            Path link = root.resolve("etc/systemd/system/multi-user.target.wants/imgtool-firstboot.service");
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("/etc/systemd/system/imgtool-firstboot.service");
            Path runner = root.resolve("usr/local/lib/imgtool/firstboot");
            assertThat(Files.readString(runner)).contains("systemctl --no-block poweroff")
                    .contains("rm -f /etc/systemd/system/multi-user.target.wants/imgtool-firstboot.service");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(runner))).isEqualTo("rwxr-xr-x");
            assertThat(Files.readString(root.resolve("usr/local/lib/imgtool/firstboot-script")))
                    .contains(UserData.STATUS_LINE);
            // Installing twice replaces, not fails.
            new SystemdFirstboot().install(root, "true\n".getBytes(StandardCharsets.UTF_8));
            assertThat(Files.isSymbolicLink(link)).isTrue();
        }
    }
}
