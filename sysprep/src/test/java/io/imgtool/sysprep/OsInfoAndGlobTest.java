package io.imgtool.sysprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgtool.core.ImageFormatException;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class OsInfoAndGlobTest {

    @Test
    void parsesOsReleaseQuotingAndFamilies() throws Exception {
        OsInfo d = OsInfo.parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", "t");
        assertThat(d.family()).isEqualTo(OsFamily.DEBIAN);
        assertThat(d.majorVersion()).isEqualTo(12);
        assertThat(d.prettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
        OsInfo u = OsInfo.parse("ID=ubuntu\nVERSION_ID='24.04'\n", "t");
        assertThat(u.family()).isEqualTo(OsFamily.DEBIAN);
        assertThat(u.versionId()).isEqualTo("24.04");
        assertThat(OsInfo.parse("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"", "t").family()).isEqualTo(OsFamily.RHEL);
        assertThat(OsInfo.parse("ID=almalinux\n", "t").family()).isEqualTo(OsFamily.RHEL);
        assertThat(OsInfo.parse("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n", "t").family()).isEqualTo(OsFamily.SUSE);
        assertThat(OsInfo.parse("ID=arch\n", "t").family()).isEqualTo(OsFamily.ARCH);
        assertThat(OsInfo.parse("ID=alpine\nVERSION_ID=3.20.3\n", "t").family()).isEqualTo(OsFamily.ALPINE);
        assertThat(OsInfo.parse("ID=pop\n", "t").family()).isEqualTo(OsFamily.DEBIAN);
        assertThat(OsInfo.parse("ID=nixos\n", "t").family()).isEqualTo(OsFamily.OTHER);
        assertThat(OsInfo.parse("ID=mint\nID_LIKE=\"ubuntu debian\"\n", "t").family()).isEqualTo(OsFamily.DEBIAN);
        OsInfo e = OsInfo.parse("# comment\nNAME=\"a \\\"q\\\" \\$x\"\nnot an assignment\nID=x # trailing\n", "t");
        assertThat(e.field("NAME")).isEqualTo("a \"q\" $x");
        assertThat(e.id()).isEqualTo("x");
        assertThat(e.majorVersion()).isEqualTo(-1);
    }

    @Test
    void rejectsHostileOsRelease() {
        assertThatThrownBy(() -> OsInfo.parse("NAME=\"unterminated\n", "/etc/os-release"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("/etc/os-release").hasMessageContaining("unterminated");
        assertThatThrownBy(() -> OsInfo.parse("A=1\n".repeat(20000), "/etc/os-release"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("size");
    }

    @Test
    void globMatchesLikeFnmatch() {
        assertThat(Glob.matches("*.log*", "syslog.log.1")).isTrue();
        assertThat(Glob.matches("*.log*", ".hidden.log")).isFalse();
        assertThat(Glob.matches(".*", ".hidden")).isTrue();
        assertThat(Glob.matches("__db.*", "__db.001")).isTrue();
        assertThat(Glob.matches("*_host_*", "ssh_host_rsa_key.pub")).isTrue();
        assertThat(Glob.matches("ifcfg-*", "ifcfg-eth0")).isTrue();
        assertThat(Glob.matches("[!a]b", "cb")).isTrue();
        assertThat(Glob.matches("[!a]b", "ab")).isFalse();
        assertThat(Glob.matches("[a-c]?", "bz")).isTrue();
        assertThat(Glob.matches("[]x]", "]")).isTrue();
        assertThat(Glob.matches("[abc", "[abc")).isTrue();
        assertThat(Glob.fnmatch("*~", "notes.txt~")).isTrue();
        // Pathological patterns stay linear.
        assertThat(Glob.matches("*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).isFalse();
    }

    /** Glob against a regex translation of the same pattern (alphabet without specials). */
    @Property(tries = 500)
    void globAgreesWithRegex(@ForAll @StringLength(max = 8) @CharRange(from = 'a', to = 'c') String word,
                             @ForAll @StringLength(max = 6) @CharRange(from = '*', to = '?') String specials,
                             @ForAll @StringLength(max = 10) @CharRange(from = 'a', to = 'c') String name) {
        StringBuilder pat = new StringBuilder();
        for (int i = 0; i < Math.max(word.length(), specials.length()); i++) {
            if (i < word.length()) {
                pat.append(word.charAt(i));
            }
            if (i < specials.length() && (specials.charAt(i) == '*' || specials.charAt(i) == '?')) {
                pat.append(specials.charAt(i));
            }
        }
        String p = pat.toString();
        String regex = p.chars().mapToObj(c -> c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf((char) c)))
                .reduce("", String::concat);
        assertThat(Glob.matches(p, name)).as(p + " vs " + name).isEqualTo(name.matches(regex));
    }
}
