package io.imgtool.sysprep;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/sysprep.md carries the registry's generated reference; this keeps them equal. */
class RegistryDocsTest {

    static final String BEGIN = "<!-- BEGIN GENERATED OPERATIONS -->\n";
    static final String END = "<!-- END GENERATED OPERATIONS -->";

    @Test
    void docsHoldTheGeneratedOperationReference() throws IOException {
        Path doc = Path.of("..", "docs", "sysprep.md");
        String text = Files.readString(doc);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertThat(b).isGreaterThanOrEqualTo(0);
        assertThat(e).isGreaterThan(b);
        assertThat(text.substring(b + BEGIN.length(), e))
                .as("docs/sysprep.md is out of date: paste Registry.standard().markdown() between the markers")
                .isEqualTo(Registry.standard().markdown());
    }
}
