package io.imgtool.gpt;

import io.imgtool.core.BlockDevice;
import io.imgtool.core.ImageFormatException;
import io.imgtool.gpt.ondisk.GptHeader;
import io.imgtool.gpt.ondisk.MbrSector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Reads the raw GPT structures of a disk without deciding anything: the MBR, and each copy (header
 * and entry array) with what is wrong with it. {@link GptTable#read} chooses a copy from this;
 * {@link GptVerifier} reports on all of it.
 */
final class GptReader {

    private GptReader() {
    }

    /**
     * One copy of the GPT as found.
     *
     * @param lba where the header was looked for
     * @param header the parsed header, or null when the sector holds no "EFI PART" signature
     * @param problem what makes the header unusable (bad field, CRC mismatch), or null
     * @param array the raw entry array, when the header was usable
     * @param arrayProblem what is wrong with the array (CRC mismatch), or null
     */
    record Copy(long lba, GptHeader header, String problem, byte[] array, String arrayProblem) {

        boolean headerValid() {
            return header != null && problem == null;
        }

        boolean usable() {
            return headerValid() && arrayProblem == null;
        }

        /** One line on the state of this copy, or null when it is fine. */
        String summary() {
            if (problem != null) {
                return problem;
            }
            return arrayProblem;
        }
    }

    /** Everything found. {@code mbr} is null when sector 0 carries no 55 AA signature. */
    record Raw(int sectorSize, long lastLba, MbrSector mbr, Copy primary, Copy backup) {
    }

    static void checkSectorSize(int sectorSize) {
        if (sectorSize != 512 && sectorSize != 4096) {
            throw new IllegalArgumentException("sector size must be 512 or 4096, not " + sectorSize);
        }
    }

    /** The MBR in the first 512 bytes, or null when there is no 55 AA signature (or the disk is smaller). */
    static MbrSector readMbr(BlockDevice disk) throws IOException {
        if (disk.size() < MbrSector.SIZE) {
            return null;
        }
        MbrSector mbr = MbrSector.parse(ByteBuffer.wrap(disk.readBytes(0, MbrSector.SIZE)));
        return mbr.hasBootSignature() ? mbr : null;
    }

    static Raw read(BlockDevice disk, int sectorSize) throws IOException {
        checkSectorSize(sectorSize);
        long sectors = disk.size() / sectorSize;
        if (sectors < 4) {
            throw new ImageFormatException("disk", null, -1, disk.size(),
                    "too small for a GPT (" + sectors + " sectors of " + sectorSize + " bytes)");
        }
        long lastLba = sectors - 1;
        MbrSector mbr = readMbr(disk);
        Copy primary = readCopy(disk, sectorSize, 1, lastLba);
        Copy backup;
        if (primary.headerValid() && primary.header().alternateLba() > 1
                && primary.header().alternateLba() <= lastLba) {
            backup = readCopy(disk, sectorSize, primary.header().alternateLba(), lastLba);
            if (!backup.usable() && primary.header().alternateLba() != lastLba) {
                Copy atEnd = readCopy(disk, sectorSize, lastLba, lastLba);
                if (atEnd.usable() || (atEnd.header() != null && backup.header() == null)) {
                    backup = atEnd;
                }
            }
        } else if (primary.headerValid()) {
            // The primary points past the end of the disk (it shrank): look where a backup should be.
            backup = readCopy(disk, sectorSize, lastLba, lastLba);
        } else {
            backup = readCopy(disk, sectorSize, lastLba, lastLba);
        }
        return new Raw(sectorSize, lastLba, mbr, primary, backup);
    }

    static Copy readCopy(BlockDevice disk, int sectorSize, long lba, long lastLba) throws IOException {
        String where = (lba == 1 ? "primary" : "backup") + " GPT header at LBA " + lba;
        GptHeader h = GptHeader.parse(ByteBuffer.wrap(disk.readBytes(lba * sectorSize, sectorSize)), sectorSize);
        if (h.signature() != GptHeader.SIGNATURE) {
            return new Copy(lba, null, where + ": no \"EFI PART\" signature", null, null);
        }
        String problem = null;
        if (!h.crcComputable()) {
            problem = where + ": header_size = " + h.headerSize() + " at offset " + (lba * sectorSize + 12)
                    + ": must be between 92 and the sector size " + sectorSize;
        } else if (!h.crcValid()) {
            problem = String.format("%s: header CRC32 mismatch (stored 0x%08x, computed 0x%08x)", where,
                    h.headerCrc(), h.computeCrc());
        } else {
            try {
                h.check(sectorSize, lba, lastLba);
            } catch (ImageFormatException e) {
                problem = e.getMessage();
            }
        }
        if (problem != null) {
            return new Copy(lba, h, problem, null, null);
        }
        byte[] array = disk.readBytes(h.entriesLba() * sectorSize, Math.toIntExact(h.arrayBytes()));
        int crc = crc32(array);
        String arrayProblem = crc == h.entriesCrc() ? null : String.format(
                "%s: entry array at LBA %d: CRC32 mismatch (header says 0x%08x, array has 0x%08x)",
                where, h.entriesLba(), h.entriesCrc(), crc);
        return new Copy(lba, h, null, array, arrayProblem);
    }

    static int crc32(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return (int) c.getValue();
    }
}
