package io.imgtool.ext4.journal;

import java.util.List;

/**
 * What an in-memory journal replay did.
 *
 * @param transactions committed transactions replayed
 * @param firstSequence sequence number of the first one
 * @param blocksReplayed filesystem blocks whose content now comes from the journal
 * @param tagsRevoked logged block copies skipped because a later revoke record cancelled them
 * @param problems blocks or transactions not replayed and why (bad checksums, block numbers out of range)
 */
public record ReplayResult(int transactions, long firstSequence, int blocksReplayed, int tagsRevoked,
                           List<String> problems) {
}
