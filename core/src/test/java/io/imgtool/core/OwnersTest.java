package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnersTest {

    @Test
    void decimalNamesOf32BitsAreIds() {
        assertThat(Owners.numericId("0")).isZero();
        assertThat(Owners.numericId("1000")).isEqualTo(1000);
        assertThat(Owners.numericId("4294967295")).isEqualTo(0xFFFFFFFFL);
        assertThat(Owners.numericId("4294967296")).isEqualTo(-1);
        assertThat(Owners.numericId("99999999999")).isEqualTo(-1);
        for (String other : new String[] {"", "root", "+1", "-1", "1e3", " 1", "١٢"}) {
            assertThat(Owners.numericId(other)).as(other).isEqualTo(-1);
        }
    }
}
