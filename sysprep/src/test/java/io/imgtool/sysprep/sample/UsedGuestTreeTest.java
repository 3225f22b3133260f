package io.imgtool.sysprep.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgtool.sysprep.TestRoots;
import io.imgtool.testdata.GuestTree;
import io.imgtool.testdata.UsedGuest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The main-code generator and the testdata fixture build the same trees, entry for entry. */
class UsedGuestTreeTest {

    @Test
    void sameTreesAsTheTestFixture() throws Exception {
        for (boolean debian : new boolean[] {true, false}) {
            for (boolean cloudInit : new boolean[] {true, false}) {
                Path a = TestRoots.jimfs();
                Path b = TestRoots.jimfs();
                (debian ? UsedGuestTree.debian() : UsedGuestTree.rhel()).cloudInit(cloudInit).build(a);
                (debian ? UsedGuest.debian() : UsedGuest.rhel()).cloudInit(cloudInit).build(b);
                assertThat(GuestTree.list(a)).isEqualTo(GuestTree.list(b)).hasSizeGreaterThan(100);
            }
        }
        assertThat(UsedGuestTree.trapLinks()).isEqualTo(UsedGuest.trapLinks());
    }
}
