package io.imgtool.publish;

/**
 * What {@link XzCompressor} wrote.
 *
 * @param uncompressedSize bytes read from the source
 * @param compressedSize bytes of the .xz file
 * @param blocks xz blocks in the stream
 * @param zeroBlocks blocks that were all zeroes (holes): compressed once, reused
 * @param blockSize uncompressed bytes per block (the last may be shorter)
 */
public record XzResult(long uncompressedSize, long compressedSize, int blocks, int zeroBlocks, int blockSize) {
}
