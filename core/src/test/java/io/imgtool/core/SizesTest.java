package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesQemuStyleSizes() {
        assertThat(Sizes.parse("512")).isEqualTo(512);
        assertThat(Sizes.parse("64k")).isEqualTo(65536);
        assertThat(Sizes.parse("4G")).isEqualTo(4L << 30);
        assertThat(Sizes.parse("1.5G")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("2 MiB")).isEqualTo(2L << 20);
        assertThat(Sizes.parse("1T")).isEqualTo(1L << 40);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> Sizes.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sizes.parse("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sizes.parse("12X")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sizes.parse("9999999E")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sizes.parse("1.5")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printsLikeQemuImg() {
        assertThat(Sizes.human(512)).isEqualTo("512 B");
        assertThat(Sizes.human(4L << 30)).isEqualTo("4 GiB");
        assertThat(Sizes.human(3L << 29)).isEqualTo("1.5 GiB");
        assertThat(Sizes.human(196 * 1024)).isEqualTo("196 KiB");
        assertThat(Sizes.human(1023 * 1024 + 500)).isEqualTo("1023 KiB");
    }
}
