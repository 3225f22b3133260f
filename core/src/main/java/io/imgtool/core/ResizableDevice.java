package io.imgtool.core;

import java.io.IOException;

/** A capability: a {@link BlockDevice} whose size can change. Grown space reads as zeroes. */
public interface ResizableDevice extends BlockDevice {

    /** Grows or shrinks the device to {@code newSize} bytes. */
    void resize(long newSize) throws IOException;
}
