package io.imgtool.publish;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageFormatException;

/**
 * Jazzer: the sums-file parser either parses or throws {@link ImageFormatException}; what it parses
 * writes back and re-reads to the same entries. Without {@code -Pfuzz} this replays
 * {@code SumsFileFuzzTestInputs/}.
 */
class SumsFileFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parseNeverFailsUnexpectedly(byte[] data) {
        try {
            SumsFile f = SumsFile.parse(data, "fuzz");
            SumsFile again = SumsFile.parse(f.toBytes(), "again");
            if (!again.equals(f)) {
                throw new AssertionError("round trip changed " + f + " into " + again);
            }
        } catch (ImageFormatException expected) {
            // Malformed input is reported this way.
        }
    }
}
