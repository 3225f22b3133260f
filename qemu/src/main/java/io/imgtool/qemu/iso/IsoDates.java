package io.imgtool.qemu.iso;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The two date formats of ECMA-119: the 7-byte binary date of a directory record (9.1.5) and the
 * 17-byte digit string of a volume descriptor (8.4.26.1). imgtool always writes UTC (offset 0).
 */
final class IsoDates {

    /** Length of a directory record's recording date. */
    static final int RECORD_DATE_SIZE = 7;
    /** Length of a volume descriptor date. */
    static final int VOLUME_DATE_SIZE = 17;
    /** The first and last instants both formats can hold (the record date counts years from 1900 in a byte). */
    static final Instant MIN = Instant.parse("1900-01-01T00:00:00Z");
    static final Instant MAX = Instant.parse("2155-12-31T23:59:59Z");

    private static final DateTimeFormatter DIGITS = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private IsoDates() {
    }

    static void checkRange(Instant t) {
        if (t.isBefore(MIN) || t.isAfter(MAX)) {
            throw new IllegalArgumentException("ISO 9660 dates cover 1900 to 2155, not " + t);
        }
    }

    /** Writes the 7-byte directory-record date: years since 1900, month, day, hour, minute, second, offset. */
    static void writeRecordDate(ByteBuffer out, Instant t) {
        checkRange(t);
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        out.put((byte) (d.getYear() - 1900));
        out.put((byte) d.getMonthValue());
        out.put((byte) d.getDayOfMonth());
        out.put((byte) d.getHour());
        out.put((byte) d.getMinute());
        out.put((byte) d.getSecond());
        out.put((byte) 0);
    }

    /** Writes the 17-byte volume-descriptor date ("YYYYMMDDHHMMSScc" and the offset); null writes "not specified". */
    static void writeVolumeDate(ByteBuffer out, Instant t) {
        if (t == null) {
            out.put("0000000000000000".getBytes(StandardCharsets.US_ASCII));
            out.put((byte) 0);
            return;
        }
        checkRange(t);
        String digits = DIGITS.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC)) + "00";
        out.put(digits.getBytes(StandardCharsets.US_ASCII));
        out.put((byte) 0);
    }

    /**
     * Reads a 7-byte record date; null when the fields are out of range (readers such as Linux do not
     * reject those either).
     */
    static Instant readRecordDate(byte[] b) {
        try {
            int offsetQuarters = b[6];
            LocalDateTime d = LocalDateTime.of(1900 + (b[0] & 0xff), b[1], b[2], b[3], b[4], b[5]);
            return d.toInstant(ZoneOffset.ofTotalSeconds(offsetQuarters * 15 * 60));
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }
}
