package io.imgtool.sysprep.seal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** --label-root's reference rewriting: LABEL= and PARTLABEL= tokens, quoted or not, and by-label links. */
class LabelReferencesTest {

    @Test
    void rewritesExactLabelReferencesOnly() {
        String fstab = "LABEL=root / ext4 defaults 0 1\n"
                + "LABEL=\"root\" /x ext4 defaults 0 2\n"
                + "PARTLABEL=root /y ext4 defaults 0 2\n"
                + "LABEL=rootfs /z ext4 defaults 0 2\n"
                + "FSLABEL=root /w ext4 defaults 0 2\n"
                + "/dev/disk/by-label/root /v ext4 defaults 0 2\n";
        assertThat(LabelReferences.replace(fstab, "LABEL", "root", "SLX SYS")).isEqualTo(
                "LABEL=SLX SYS / ext4 defaults 0 1\n"
                        + "LABEL=\"SLX SYS\" /x ext4 defaults 0 2\n"
                        + "PARTLABEL=root /y ext4 defaults 0 2\n"
                        + "LABEL=rootfs /z ext4 defaults 0 2\n"
                        + "FSLABEL=root /w ext4 defaults 0 2\n"
                        + "/dev/disk/by-label/SLX\\x20SYS /v ext4 defaults 0 2\n");
        assertThat(LabelReferences.replace("linux /vmlinuz root=PARTLABEL=root ro\n", "PARTLABEL", "root", "SLX_SYS"))
                .isEqualTo("linux /vmlinuz root=PARTLABEL=SLX_SYS ro\n");
        assertThat(LabelReferences.replace("x /dev/disk/by-partlabel/a\\x2fb y", "PARTLABEL", "a/b", "c"))
                .isEqualTo("x /dev/disk/by-partlabel/c y");
    }
}
