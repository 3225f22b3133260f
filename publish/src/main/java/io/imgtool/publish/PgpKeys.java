package io.imgtool.publish;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

/**
 * Reads OpenPGP keys: one key or a keyring, armored or binary, public or secret (as {@code gpg
 * --export}, {@code gpg --export --armor}, {@code gpg --export-secret-keys} and {@link
 * PgpKeyGenerator} write them; several armored blocks may follow each other).
 */
final class PgpKeys {

    /** Key files larger than this are refused. */
    static final int MAX_SIZE = 64 << 20;

    private PgpKeys() {
    }

    static byte[] readFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_SIZE) {
            throw new ImageFormatException(file.toString(), "size", -1, size, "too large for an OpenPGP key file");
        }
        return Files.readAllBytes(file);
    }

    /** Every key ring in {@code data}. */
    static List<PGPKeyRing> read(byte[] data, String origin) throws ImageException {
        if (data.length >= 12 && data[8] == 'K' && data[9] == 'B' && data[10] == 'X' && data[11] == 'f') {
            throw new UnsupportedFeatureException(origin, "GnuPG keybox (.kbx)",
                    "export the key with 'gpg --export KEYID > key.gpg' and pass that file");
        }
        List<PGPKeyRing> rings = new ArrayList<>();
        try {
            if (isArmored(data)) {
                // Each armored block on its own: every step moves past one END line, so it ends.
                String text = new String(data, StandardCharsets.ISO_8859_1);
                int from = 0;
                int begin;
                while ((begin = text.indexOf("-----BEGIN PGP ", from)) >= 0) {
                    int end = text.indexOf("-----END PGP ", begin);
                    if (end < 0) {
                        throw new ImageFormatException(origin, "armor", begin, null, "no END line");
                    }
                    int eol = text.indexOf('\n', end);
                    int blockEnd = eol < 0 ? text.length() : eol + 1;
                    readPackets(PGPUtil.getDecoderStream(new ByteArrayInputStream(data, begin, blockEnd - begin)),
                            rings, origin);
                    from = blockEnd;
                }
            } else {
                readPackets(new ByteArrayInputStream(data), rings, origin);
            }
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException(origin, "OpenPGP key", -1, null, "cannot read: " + e.getMessage(), e);
        }
        if (rings.isEmpty()) {
            throw new ImageFormatException(origin, "OpenPGP key", -1, null, "no key found");
        }
        return rings;
    }

    private static boolean isArmored(byte[] data) {
        String head = new String(data, 0, Math.min(data.length, 4096), StandardCharsets.ISO_8859_1);
        return head.contains("-----BEGIN PGP ");
    }

    private static void readPackets(InputStream in, List<PGPKeyRing> rings, String origin) throws IOException {
        BcPGPObjectFactory f = new BcPGPObjectFactory(in);
        Object o;
        while ((o = f.nextObject()) != null) {
            if (o instanceof PGPPublicKeyRing || o instanceof PGPSecretKeyRing) {
                rings.add((PGPKeyRing) o);
            } else if (!(o instanceof PGPMarker)) {
                throw new ImageFormatException(origin, "OpenPGP packets", -1, o.getClass().getSimpleName(),
                        "expected keys only");
            }
        }
    }

    /** The public view of every ring (secret rings reduced to their public keys). */
    static List<PGPPublicKeyRing> publicRings(List<PGPKeyRing> rings) {
        List<PGPPublicKeyRing> out = new ArrayList<>();
        for (PGPKeyRing r : rings) {
            if (r instanceof PGPPublicKeyRing p) {
                out.add(p);
            } else {
                List<PGPPublicKey> keys = new ArrayList<>();
                for (Iterator<PGPPublicKey> it = r.getPublicKeys(); it.hasNext(); ) {
                    keys.add(it.next());
                }
                out.add(new PGPPublicKeyRing(keys));
            }
        }
        return out;
    }

    static String fingerprint(PGPPublicKey key) {
        return HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
    }

    static String keyId(long id) {
        return String.format("%016X", id);
    }

    static String primaryUserId(PGPPublicKey key) {
        Iterator<String> it = key.getUserIDs();
        return it.hasNext() ? it.next() : null;
    }

    static ImageException wrap(String origin, PGPException e) {
        return new ImageFormatException(origin, "OpenPGP", -1, null, String.valueOf(e.getMessage()), e);
    }
}
