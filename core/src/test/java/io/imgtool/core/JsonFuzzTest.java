package io.imgtool.core;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test: the JSON reader (it reads qemu-img, sfdisk and cloud-init output) either parses
 * or throws IllegalArgumentException; never anything else, never a hang. Without {@code -Pfuzz} this
 * replays the seed corpus in {@code JsonFuzzTestInputs/}.
 */
class JsonFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void parseNeverFailsUnexpectedly(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            Object v = Json.parse(text);
            // Whatever parsed must print and re-read to the same text.
            String once = Json.writeCompact(v);
            String twice = Json.writeCompact(Json.parse(once));
            if (!once.equals(twice)) {
                throw new AssertionError("round trip changed " + once + " into " + twice);
            }
        } catch (IllegalArgumentException expected) {
            // Malformed input is reported this way.
        }
    }
}
