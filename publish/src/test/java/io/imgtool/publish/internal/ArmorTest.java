package io.imgtool.publish.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageFormatException;
import org.junit.jupiter.api.Test;

class ArmorTest {

    static final byte[] DATA = {1, 2, 3, 4, 5, (byte) 0xff, 0, 42};

    @Test
    void roundTripAndShape() throws Exception {
        String a = Armor.encode("SIGNATURE", DATA);
        assertThat(a).isEqualTo("-----BEGIN PGP SIGNATURE-----\n\nAQIDBAX/ACo=\n=" + crcText() + "\n-----END PGP SIGNATURE-----\n");
        Armor.Block b = Armor.decode(a, 0, "t");
        assertThat(b.data()).isEqualTo(DATA);
        assertThat(b.type()).isEqualTo("SIGNATURE");
        assertThat(b.end()).isEqualTo(a.length());
        // CRLF line ends and a known header are fine.
        Armor.Block crlf = Armor.decode(a.replace("\n\n", "\nComment: made by a test\n\n").replace("\n", "\r\n"), 0, "t");
        assertThat(crlf.data()).isEqualTo(DATA);
        assertThat(crlf.headers()).containsExactly("Comment: made by a test");
        // The CRC line is optional (RFC 9580).
        assertThat(Armor.decode(a.replace("=" + crcText() + "\n", ""), 0, "t").data()).isEqualTo(DATA);
    }

    @Test
    void rejectsEverythingNonCanonical() {
        String a = Armor.encode("SIGNATURE", DATA);
        bad(a.replace("AQIDBAX/ACo=", "AQIDBAX/ACp="), "not canonical");      // unused bits set
        bad(a.replace("AQIDBAX/ACo=", "AQIDBAX/ACo"), "base64");              // padding missing
        bad(a.replace("AQIDBAX/ACo=", "AQID BAX/ACo="), "not a base64 character");
        bad(a.replace("AQIDBAX/ACo=", "AQIDBAX/ACk="), "CRC");
        bad(a.replace("\n\n", "\nHash: SHA512\n\n"), "unknown armor header");
        bad(a.replace("END PGP SIGNATURE", "END PGP MESSAGE"), "expected '-----END PGP SIGNATURE-----'");
        bad(a.replace("AQIDBAX/ACo=\n", "AQIDBAX/ACo=\n\n"), "empty line");
        bad(a.replace("AQIDBAX/ACo=\n", "AQIDBAX/ACo=\r\r\n"), "carriage return");
        bad(a.substring(0, a.indexOf("-----END")), "truncated");
        bad("-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n", "no data");
        bad("hello", "BEGIN PGP");
    }

    private static void bad(String text, String reason) {
        assertThatThrownBy(() -> Armor.decode(text, 0, "sig.asc")).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("sig.asc").hasMessageContaining(reason);
    }

    private static String crcText() {
        int crc = Armor.crc24(DATA);
        return java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) (crc >> 16), (byte) (crc >> 8), (byte) crc});
    }
}
