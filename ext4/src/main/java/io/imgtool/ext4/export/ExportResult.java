package io.imgtool.ext4.export;

import java.util.List;

/**
 * What an export did: entries written, content bytes copied, entries skipped (with why: sockets in a
 * tar, devices without root), and errors (a damaged file or directory: the export went on without it).
 */
public record ExportResult(long entries, long bytes, List<String> skipped, List<String> errors) {

    public boolean hasErrors() {
        return !errors.isEmpty();
    }
}
