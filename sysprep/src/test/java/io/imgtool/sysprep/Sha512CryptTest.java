package io.imgtool.sysprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.testdata.ReferenceTools;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class Sha512CryptTest {

    /** The SHA-512 test vectors of Drepper's specification ("Unix crypt using SHA-256 and SHA-512"). */
    @Test
    void specificationVectors() {
        assertThat(Sha512Crypt.crypt("Hello world!", "$6$saltstring")).isEqualTo(
                "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1");
        assertThat(Sha512Crypt.crypt("Hello world!", "$6$rounds=10000$saltstringsaltstring")).isEqualTo(
                "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.");
        assertThat(Sha512Crypt.crypt("This is just a test", "$6$rounds=5000$toolongsaltstring")).isEqualTo(
                "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0");
        assertThat(Sha512Crypt.crypt("a very much longer text to encrypt.  This one even stretches over morethan one line.",
                "$6$rounds=1400$anotherlongsaltstring")).isEqualTo(
                "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1");
        assertThat(Sha512Crypt.crypt("we have a short salt string but not a short password", "$6$rounds=77777$short")).isEqualTo(
                "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0");
        assertThat(Sha512Crypt.crypt("a short string", "$6$rounds=123456$asaltof16chars..")).isEqualTo(
                "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1");
        assertThat(Sha512Crypt.crypt("the minimum number is still observed", "$6$rounds=10$roundstoolow")).isEqualTo(
                "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.");
    }

    @Test
    void randomHashesVerifyAndUseSixteenCharacterSalts() {
        String h = Sha512Crypt.hash("secret", new Random(42));
        assertThat(h).matches("\\$6\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}");
        assertThat(Sha512Crypt.crypt("secret", h)).isEqualTo(h);
        assertThat(Sha512Crypt.crypt("Secret", h)).isNotEqualTo(h);
        assertThatThrownBy(() -> Sha512Crypt.crypt("x", "$5$salt")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void agreesWithOpensslPasswd() {
        for (String[] c : new String[][] {{"root", "abcdefgh"}, {"p@ss w0rd", "S4lt./"}, {"x y", "x"},
                {"a".repeat(200), "0123456789abcdef"}}) {
            String out = ReferenceTools.runOk("openssl", "passwd", "-6", "-salt", c[1], c[0]).stdout().strip();
            assertThat(Sha512Crypt.crypt(c[0], "$6$" + c[1])).as(c[0]).isEqualTo(out);
        }
    }

    @Property(tries = 40)
    void agreesWithPythonCrypt(@ForAll @StringLength(max = 80) @AlphaChars @NumericChars String password,
                               @ForAll @StringLength(min = 1, max = 16) @AlphaChars String salt) {
        String py = "import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))";
        java.nio.file.Path python = ReferenceTools.find("python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(python != null, "python3 is not installed");
        ReferenceTools.Result r = ReferenceTools.run(java.time.Duration.ofSeconds(30), null, python.toString(), "-W", "ignore",
                "-c", py, password, "$6$" + salt);
        org.junit.jupiter.api.Assumptions.assumeTrue(r.exit() == 0, "python3 crypt module unavailable: " + r.stderr());
        assertThat(Sha512Crypt.crypt(password, "$6$" + salt)).isEqualTo(r.stdout().strip());
    }
}
