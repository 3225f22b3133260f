package io.imgtool.publish.internal;

import io.imgtool.core.ImageException;
import io.imgtool.core.ImageFormatException;
import io.imgtool.core.UnsupportedFeatureException;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict structural check of a sequence of OpenPGP signature packets (RFC 4880 sections 4.2 and
 * 5.2.3), done before Bouncy Castle sees the bytes: every length fits in what is there, every packet
 * is a version 4 signature, MPIs are minimal (their bit count is exact), nothing trails. This bounds
 * what the parser allocates and closes the places where a changed byte would not change the meaning
 * (a bit count that rounds to the same byte length, a longer-than-needed length encoding is caught by
 * the caller's re-encoding comparison).
 */
public final class SignaturePackets {

    /** Signature packets accepted in one file. */
    public static final int MAX_SIGNATURES = 64;

    private SignaturePackets() {
    }

    /** Where one signature packet lies in the input. */
    public record Span(int offset, int length) {
    }

    /**
     * Checks {@code data} and returns the spans of its signature packets (at least one).
     *
     * @throws ImageFormatException for malformed packets, {@link io.imgtool.core.UnsupportedFeatureException}
     *         for packets of a kind not verified here
     */
    public static List<Span> check(byte[] data, String origin) throws ImageException {
        List<Span> spans = new ArrayList<>();
        int pos = 0;
        if (data.length == 0) {
            throw new ImageFormatException(origin, "OpenPGP packets", 0, null, "no signature packet");
        }
        while (pos < data.length) {
            if (spans.size() >= MAX_SIGNATURES) {
                throw new ImageFormatException(origin, "OpenPGP packets", pos, null,
                        "more than " + MAX_SIGNATURES + " signatures");
            }
            int start = pos;
            int ctb = data[pos++] & 0xff;
            if ((ctb & 0x80) == 0) {
                throw new ImageFormatException(origin, "packet tag", start, "0x" + Integer.toHexString(ctb),
                        "not an OpenPGP packet (bit 7 clear)");
            }
            int tag;
            long len;
            if ((ctb & 0x40) != 0) {
                tag = ctb & 0x3f;
                need(data, pos, 1, origin, "packet length");
                int b0 = data[pos++] & 0xff;
                if (b0 < 192) {
                    len = b0;
                } else if (b0 < 224) {
                    need(data, pos, 1, origin, "packet length");
                    len = ((b0 - 192) << 8) + (data[pos++] & 0xff) + 192;
                } else if (b0 == 255) {
                    need(data, pos, 4, origin, "packet length");
                    len = u32(data, pos);
                    pos += 4;
                } else {
                    throw new UnsupportedFeatureException(origin, "partial body length",
                            "a signature packet cannot be streamed in parts");
                }
            } else {
                tag = (ctb >> 2) & 0x0f;
                int lt = ctb & 3;
                if (lt == 3) {
                    throw new UnsupportedFeatureException(origin, "indeterminate packet length",
                            "a signature packet must state its length");
                }
                int n = 1 << lt;
                need(data, pos, n, origin, "packet length");
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (data[pos++] & 0xff);
                }
            }
            if (tag != 2) {
                throw new ImageFormatException(origin, "packet tag", start, tag,
                        "expected only signature packets (tag 2)");
            }
            if (len > data.length - pos) {
                throw new ImageFormatException(origin, "packet length", start, len,
                        "longer than the " + (data.length - pos) + " bytes left");
            }
            checkSignatureBody(data, pos, (int) len, origin);
            pos += (int) len;
            spans.add(new Span(start, pos - start));
        }
        return spans;
    }

    private static void checkSignatureBody(byte[] d, int off, int len, String origin) throws ImageException {
        int end = off + len;
        int p = off;
        need(d, p, 1, end, origin, "signature version");
        int version = d[p] & 0xff;
        if (version != 4) {
            throw new UnsupportedFeatureException(origin, "version " + version + " signature",
                    "only version 4 signatures are verified");
        }
        need(d, p, 6, end, origin, "signature header");
        int pubAlg = d[p + 2] & 0xff;
        p += 4;
        for (String area : new String[] {"hashed", "unhashed"}) {
            need(d, p, 2, end, origin, area + " subpacket length");
            int n = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
            p += 2;
            need(d, p, n, end, origin, area + " subpackets");
            checkSubpackets(d, p, p + n, origin, area);
            p += n;
        }
        need(d, p, 2, end, origin, "digest prefix");
        p += 2;
        int mpis = switch (pubAlg) {
            case 1, 3 -> 1;          // RSA
            case 17, 19, 22 -> 2;    // DSA, ECDSA, EdDSA (legacy)
            default -> throw new UnsupportedFeatureException(origin, "public-key algorithm " + pubAlg,
                    "signatures are verified for RSA, DSA, ECDSA and EdDSA");
        };
        for (int i = 0; i < mpis; i++) {
            need(d, p, 2, end, origin, "MPI length");
            int bits = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
            int bytes = (bits + 7) / 8;
            need(d, p + 2, bytes, end, origin, "MPI");
            if (bytes > 0) {
                int top = d[p + 2] & 0xff;
                int topBits = 32 - Integer.numberOfLeadingZeros(top);
                if (top == 0 || (bits - 1) % 8 + 1 != topBits) {
                    throw new ImageFormatException(origin, "MPI bit count", p, bits,
                            "does not match the value (not minimal)");
                }
            }
            p += 2 + bytes;
        }
        if (p != end) {
            throw new ImageFormatException(origin, "signature packet", p, end - p + " bytes", "trailing data");
        }
    }

    private static void checkSubpackets(byte[] d, int p, int end, String origin, String area)
            throws ImageException {
        while (p < end) {
            int b0 = d[p] & 0xff;
            long n;
            int hdr;
            if (b0 < 192) {
                n = b0;
                hdr = 1;
            } else if (b0 < 255) {
                need(d, p, 2, end, origin, area + " subpacket length");
                n = ((b0 - 192) << 8) + (d[p + 1] & 0xff) + 192;
                hdr = 2;
            } else {
                need(d, p, 5, end, origin, area + " subpacket length");
                n = u32(d, p + 1);
                hdr = 5;
            }
            if (n < 1 || n > end - p - hdr) {
                throw new ImageFormatException(origin, area + " subpacket length", p, n,
                        "zero or longer than its area");
            }
            p += hdr + (int) n;
        }
    }

    private static void need(byte[] d, int p, int n, String origin, String what) throws ImageException {
        need(d, p, n, d.length, origin, what);
    }

    private static void need(byte[] d, int p, int n, int end, String origin, String what) throws ImageException {
        if (n < 0 || p > end || n > end - p) {
            throw new ImageFormatException(origin, what, p, null, "truncated");
        }
    }

    private static long u32(byte[] d, int p) {
        return ((long) (d[p] & 0xff) << 24) | ((d[p + 1] & 0xff) << 16) | ((d[p + 2] & 0xff) << 8) | (d[p + 3] & 0xff);
    }
}
