package io.imgtool.ext4.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * File names are bytes on ext4 and strings in java.nio.file. Valid UTF-8 decodes as itself; every
 * byte of an invalid sequence becomes a lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"),
 * which {@link #encode} turns back into the same byte, so every name survives the round trip.
 */
public final class Names {

    private Names() {
    }

    public static String decode(byte[] name) {
        boolean ascii = true;
        for (byte b : name) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(name, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return dec.decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            return decodeEscaping(name);
        }
    }

    private static String decodeEscaping(byte[] name) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer in = ByteBuffer.wrap(name);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(name.length * 2 + 4);
        while (in.hasRemaining()) {
            var r = dec.decode(in, out, true);
            if (r.isError()) {
                out.flip();
                sb.append(out);
                out.clear();
                for (int i = 0; i < r.length(); i++) {
                    sb.append((char) (0xDC00 | (in.get() & 0xff)));
                }
            } else {
                break;
            }
        }
        out.flip();
        sb.append(out);
        return sb.toString();
    }

    public static byte[] encode(String s) {
        boolean plain = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                plain = false;
                break;
            }
        }
        if (plain) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 2);
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)))) {
                out.writeBytes(s.substring(start, i).getBytes(StandardCharsets.UTF_8));
                out.write(c & 0xff);
                start = i + 1;
            }
        }
        out.writeBytes(s.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
