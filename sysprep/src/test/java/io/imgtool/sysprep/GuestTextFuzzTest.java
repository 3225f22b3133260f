package io.imgtool.sysprep;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgtool.core.ImageFormatException;

/**
 * Jazzer fuzz tests of what sealing parses from a hostile guest: os-release (only
 * ImageFormatException, never anything else) and glob patterns (always an answer, in linear time).
 * Without {@code -Pfuzz} this replays the seed corpus in {@code GuestTextFuzzTestInputs/}.
 */
class GuestTextFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void osReleaseParsesOrIsRejected(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            OsInfo os = OsInfo.parse(text, "/etc/os-release");
            if (os.family() == null || os.id() == null || os.versionId() == null) {
                throw new AssertionError("incomplete OsInfo for " + text);
            }
            os.majorVersion();
        } catch (ImageFormatException expected) {
            // unterminated quotes, oversized files
        }
    }

    @FuzzTest(maxDuration = "30s")
    void globAlwaysAnswers(FuzzedDataProvider data) {
        String pattern = data.consumeString(64);
        String name = data.consumeRemainingAsString();
        boolean a = Glob.matches(pattern, name);
        boolean b = Glob.fnmatch(pattern, name);
        if (a && !b) {
            throw new AssertionError("matches without the dot rule but not fnmatch: " + pattern + " / " + name);
        }
    }
}
