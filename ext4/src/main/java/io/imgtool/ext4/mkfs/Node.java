package io.imgtool.ext4.mkfs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One file of the source tree, as scanned: what its inode and directory entry will hold. */
final class Node {

    /** The source file (null for lost+found when the source has none). */
    Path path;
    /** Name in its parent directory (bytes as stored). */
    byte[] name;
    Node parent;
    /** i_mode: type and permission bits. */
    int mode;
    long uid;
    long gid;
    long atimeSec;
    int atimeNs;
    long mtimeSec;
    int mtimeNs;
    long ctimeSec;
    int ctimeNs;
    long size;
    byte[] linkTarget;
    int rdevMajor;
    int rdevMinor;
    Map<String, byte[]> xattrs = Map.of();
    /** Children of a directory, sorted by name bytes. */
    List<Node> children;
    /** For a second name of a hard-linked file: the node that owns the inode. */
    Node linkOf;
    /** Names that point at this inode (hard links), counted during the scan. */
    int names = 1;
    long ino;
    int subdirs;

    Node(Path path, byte[] name, Node parent) {
        this.path = path;
        this.name = name;
        this.parent = parent;
    }

    boolean isDir() {
        return (mode & 0xF000) == 0x4000;
    }

    boolean isRegular() {
        return (mode & 0xF000) == 0x8000;
    }

    boolean isSymlink() {
        return (mode & 0xF000) == 0xA000;
    }

    List<Node> children() {
        if (children == null) {
            children = new ArrayList<>();
        }
        return children;
    }

    /** The node whose inode this name refers to. */
    Node target() {
        return linkOf != null ? linkOf : this;
    }
}
