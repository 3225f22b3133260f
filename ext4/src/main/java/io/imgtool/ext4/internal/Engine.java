package io.imgtool.ext4.internal;

/**
 * The read engine of one open filesystem, as the NIO layer uses it. Internal: not part of the API.
 */
public final class Engine {

    public final FsContext fs;
    public final DirReader dirs;
    public final Resolver resolver;
    public final XattrReader xattrs;

    public Engine(FsContext fs) {
        this.fs = fs;
        this.dirs = new DirReader(fs);
        this.resolver = new Resolver(fs, dirs);
        this.xattrs = new XattrReader(fs);
    }
}
